import assert from "node:assert/strict";
import { test } from "node:test";
import { compile } from "../../src/expr/compile.js";
import { ExprError } from "../../src/expr/errors.js";
import { parse } from "../../src/expr/parser.js";
import { showValue } from "../../src/expr/show.js";
import type { EvalContext } from "../../src/expr/value.js";
import { buildColumnBatch } from "../../src/store/column-builder.js";
import { loadExprCases, sameValue } from "./expr-cases.js";

const ctx: EvalContext = { now: 1_700_000_000, timeZone: "UTC" };
const { properties, cases } = loadExprCases();

test("every shared case gives the expected value when compiled, on a row object", () => {
  for (const c of cases) {
    if (c.expect.error) continue;
    const compiled = compile(parse(c.expr), ctx);
    assert.equal(compiled.engine, "generated", c.id);
    const got = compiled.evaluateRow({ properties });
    assert.ok(sameValue(got, c.expect.value), `${c.id} ${c.expr}: got ${showValue(got)}`);
    assert.equal(compiled.matchesRow({ properties }), c.expect.value === true, c.id);
  }
});

test("every shared case gives the expected value and filter result on a one-row column batch", () => {
  const batch = buildColumnBatch([{ properties }]);
  const selection = new Uint32Array(1);
  for (const c of cases) {
    if (c.expect.error) continue;
    const bound = compile(parse(c.expr), ctx).bind(batch);
    const got = bound.valueAt(0);
    assert.ok(sameValue(got, c.expect.value), `${c.id} ${c.expr}: got ${showValue(got)}`);
    const matches = c.expect.value === true ? 1 : 0;
    assert.equal(bound.filter(selection), matches, `${c.id} ${c.expr} filter`);
    assert.equal(bound.count(), matches, `${c.id} count`);
    assert.equal(bound.filterSelection(Uint32Array.of(0), 1, selection), matches, `${c.id} filterSelection`);
  }
});

test("every shared case gives the expected value from generated code without the optimiser", () => {
  const batch = buildColumnBatch([{ properties }]);
  for (const c of cases) {
    if (c.expect.error) continue;
    const compiled = compile(parse(c.expr), ctx, { optimise: false });
    const fromRow = compiled.evaluateRow({ properties });
    const fromColumns = compiled.bind(batch).valueAt(0);
    assert.ok(sameValue(fromRow, c.expect.value), `${c.id} ${c.expr}: got ${showValue(fromRow)}`);
    assert.ok(sameValue(fromColumns, c.expect.value), `${c.id} ${c.expr}: got ${showValue(fromColumns)}`);
  }
});

test("the shared cases that must be rejected are rejected before anything is compiled", () => {
  for (const c of cases) {
    if (c.expect.error) assert.throws(() => parse(c.expr), ExprError, c.id);
  }
});
