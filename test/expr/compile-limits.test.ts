import assert from "node:assert/strict";
import { test } from "node:test";
import type { ExprNode } from "../../src/expr/ast.js";
import { compile } from "../../src/expr/compile.js";
import { interpretedExpr } from "../../src/expr/compiler/interpreted.js";
import { SlotTable } from "../../src/expr/compiler/pools.js";
import { parse } from "../../src/expr/parser.js";
import { propertyReads } from "../../src/expr/reads.js";
import type { EvalContext, JsonObject } from "../../src/expr/value.js";
import { buildColumnBatch } from "../../src/store/column-builder.js";

const ctx: EvalContext = { now: 1_700_000_000, timeZone: "UTC" };
const span = { start: 0, end: 0 };

function rows(...properties: JsonObject[]) {
  return properties.map((p) => ({ properties: p }));
}

test("a 64 KiB chain of 32,000 additions compiles to code and evaluates on rows and columns", () => {
  const source = `properties["x"]${"+1".repeat(32_000)}`;
  assert.ok(source.length <= 65_536);
  const compiled = compile(parse(source), ctx);
  assert.equal(compiled.engine, "generated");
  assert.equal(compiled.evaluateRow({ properties: { x: 1 } }), 32_001);
  assert.equal(compiled.evaluateRow({ properties: { x: "1" } }), undefined);
  const bound = compiled.bind(buildColumnBatch(rows({ x: 2 }, {}, { x: "s" })));
  assert.deepEqual([0, 1, 2].map(bound.valueAt), [32_002, undefined, undefined]);
});

test("a long chain under a comparison filters without overflowing", () => {
  const source = `properties["x"]${"*1-0".repeat(15_000)} > 5`;
  const compiled = compile(parse(source), ctx);
  assert.equal(compiled.engine, "generated");
  const bound = compiled.bind(buildColumnBatch(rows({ x: 6 }, { x: 5 }, { x: 7 })));
  const selection = new Uint32Array(3);
  assert.equal(bound.filter(selection), 2);
  assert.deepEqual([...selection.subarray(0, 2)], [0, 2]);
});

test("an or of thousands of operands compiles to one flat test", () => {
  const operands = Array.from({ length: 2_000 }, (_, k) => `properties["a"] == ${k * 2}`);
  const source = operands.join(" or ");
  assert.ok(source.length <= 65_536);
  const compiled = compile(parse(source), ctx);
  assert.equal(compiled.engine, "generated");
  assert.equal(compiled.evaluateRow({ properties: { a: 3_998 } }), true);
  assert.equal(compiled.evaluateRow({ properties: { a: 3 } }), false);
  const bound = compiled.bind(buildColumnBatch(rows({ a: 3 }, { a: 3_998 }, { a: "3998" }, { a: 0 })));
  assert.equal(bound.count(), 2);
});

test("an and over thousands of different properties binds each column once and filters", () => {
  const operands = Array.from({ length: 2_000 }, (_, k) => `properties["p${k}"] >= 0`);
  const compiled = compile(parse(operands.join(" and ")), ctx);
  assert.equal(compiled.engine, "generated");
  assert.equal(compiled.reads.length, 2_000);
  const full: Record<string, number> = {};
  for (let k = 0; k < 2_000; k++) full[`p${k}`] = k;
  const missingOne = { ...full, p1999: -1 };
  const bound = compiled.bind(buildColumnBatch(rows(full, missingOne, full)));
  const selection = new Uint32Array(3);
  assert.equal(bound.filter(selection), 2);
  assert.deepEqual([...selection.subarray(0, 2)], [0, 2]);
});

test("nesting at the parser's limit of 256 compiles to code", () => {
  const nots = `${"not ".repeat(255)}(properties["a"] == 1)`;
  const quantifiers = `${'any(x, properties["l"], '.repeat(200)}x == 1${")".repeat(200)}`;
  const calls = `${"floor(".repeat(255)}properties["a"]${")".repeat(255)}`;
  const row = { properties: { a: 1, l: [1] } as JsonObject };
  for (const source of [nots, quantifiers, calls]) {
    const compiled = compile(parse(source), ctx);
    assert.equal(compiled.engine, "generated", source.slice(0, 40));
    const bound = compiled.bind(buildColumnBatch([row]));
    assert.deepEqual(bound.valueAt(0), compiled.evaluateRow(row));
  }
  assert.equal(compile(parse(nots), ctx).evaluateRow(row), false);
  assert.equal(compile(parse(calls), ctx).evaluateRow(row), 1);
});

test("a tree nested far deeper than the parser allows compiles to the interpreter instead of failing", () => {
  // 4,000 alternating and/or levels: more nested blocks than V8 will parse.
  const read = (name: string): ExprNode => ({ kind: "property", source: "properties", name, span });
  let node = read("a");
  for (let level = 0; level < 4_000; level++) {
    node = {
      kind: "logical",
      op: level % 2 === 0 ? "or" : "and",
      operands: [node, read(`b${level % 3}`)],
      span,
    };
  }
  const compiled = compile(node, ctx, { optimise: false });
  assert.equal(compiled.engine, "interpreted");
  assert.equal(compiled.reads.length, 4);
});

test("the interpreter fallback gives the same values and filter results as generated code", () => {
  const node = parse('(properties["a"] > 1 or user["u"] == "x") and properties["time"] > datetime(10)');
  const data = [
    { properties: { a: 2, time: 20 }, user: {} },
    { properties: { a: 0, time: 20 }, user: { u: "x" } },
    { properties: { a: 2, time: 5 }, user: {} },
    { properties: { a: "3" }, user: { u: "y" } },
  ] as { properties: JsonObject; user: JsonObject }[];
  const reads = propertyReads(node);
  const slots = new SlotTable();
  for (const read of reads) slots.slotOf({ kind: "property", ...read, span });
  const fallback = interpretedExpr(node, ctx, slots, reads);
  const generated = compile(node, ctx);
  const batch = buildColumnBatch(data);
  const [a, b] = [fallback.bind(batch), generated.bind(batch)];
  assert.deepEqual(
    data.map((row) => fallback.evaluateRow(row)),
    data.map((row) => generated.evaluateRow(row)),
  );
  assert.deepEqual([0, 1, 2, 3].map(a.valueAt), [0, 1, 2, 3].map(b.valueAt));
  const [x, y] = [new Uint32Array(4), new Uint32Array(4)];
  assert.equal(a.filter(x), 2);
  assert.equal(b.filter(y), 2);
  assert.deepEqual(x, y);
  assert.equal(a.count(), 2);
  assert.equal(a.filterSelection(Uint32Array.of(1, 2, 3), 3, x), 1);
  assert.equal(x[0], 1);
});
