// Differential test: thousands of seeded random expressions over random events. The interpreter is
// the definition; compiled code on row objects, compiled code over column batches (values, filter,
// count and chained filter) and generated code without the optimiser must all agree with it.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { ColumnBatch } from "../../src/expr/columns.js";
import { compile } from "../../src/expr/compile.js";
import { evaluate } from "../../src/expr/interpret.js";
import { parse } from "../../src/expr/parser.js";
import { showValue } from "../../src/expr/show.js";
import type { EvalContext, EventRow, Value } from "../../src/expr/value.js";
import { buildColumnBatch } from "../../src/store/column-builder.js";
import { NOW, Random, randomEvent, randomExpr, randomPredicate } from "./differential-gen.js";
import { sameValue } from "./expr-cases.js";

const SEED = 20_240_102;
const EXPRESSIONS = 2_500;
const ctx: EvalContext = { now: NOW, timeZone: "America/New_York" };

interface Segment {
  readonly rows: readonly EventRow[];
  readonly batch: ColumnBatch;
}

function segments(r: Random): Segment[] {
  const make = (rows: EventRow[]) => ({ rows, batch: buildColumnBatch(rows) });
  const mixed = Array.from({ length: 40 }, () => randomEvent(r));
  const steady = Array.from({ length: 40 }, () => randomEvent(r, true));
  // Without `o`, `m` and user profiles: those columns are missing from the whole segment.
  const sparse = Array.from({ length: 16 }, () => {
    const { o: _o, m: _m, ...properties } = randomEvent(r, true).properties;
    return { properties };
  });
  return [make(mixed), make(steady), make(sparse), make([randomEvent(r)])];
}

function describe(source: string, segment: number, row: number, got: Value, want: Value): string {
  return `${source}\n  segment ${segment} row ${row}: got ${showValue(got)}, interpreter ${showValue(want)}`;
}

test("interpreter, compiled rows and compiled columns agree on thousands of random expressions", () => {
  const r = new Random(SEED);
  const data = segments(r);
  let filtered = 0;
  for (let e = 0; e < EXPRESSIONS; e++) {
    const source = e % 2 === 0 ? randomExpr(r, 1 + r.int(5)) : randomPredicate(r, 1 + r.int(3));
    const tree = parse(source);
    const compiled = compile(tree, ctx);
    assert.equal(compiled.engine, "generated", source);
    const raw = e % 4 === 0 ? compile(tree, ctx, { optimise: false }) : undefined;
    data.forEach(({ rows, batch }, s) => {
      const want = rows.map((row) => evaluate(tree, row, ctx));
      const bound = compiled.bind(batch);
      rows.forEach((row, i) => {
        const fromRow = compiled.evaluateRow(row);
        assert.ok(sameValue(fromRow, want[i]), describe(source, s, i, fromRow, want[i]));
        assert.equal(compiled.matchesRow(row), want[i] === true, source);
        const fromColumns = bound.valueAt(i);
        assert.ok(sameValue(fromColumns, want[i]), describe(source, s, i, fromColumns, want[i]));
        if (raw !== undefined) {
          const unoptimised = raw.evaluateRow(row);
          assert.ok(sameValue(unoptimised, want[i]), describe(source, s, i, unoptimised, want[i]));
        }
      });
      const matching = want.flatMap((v, i) => (v === true ? [i] : []));
      filtered += matching.length;
      const selection = new Uint32Array(rows.length);
      const n = bound.filter(selection);
      assert.deepEqual(
        [...selection.subarray(0, n)],
        matching,
        `${source}\n  segment ${s}: ${bound.explain()}`,
      );
      assert.equal(bound.count(), matching.length, source);
      const everyThird = Uint32Array.from(rows.keys()).filter((i) => i % 3 === 0);
      const kept = bound.filterSelection(everyThird, everyThird.length, everyThird);
      assert.deepEqual(
        [...everyThird.subarray(0, kept)],
        matching.filter((i) => i % 3 === 0),
        source,
      );
    });
  }
  assert.ok(filtered > 0, "some rows matched");
});
