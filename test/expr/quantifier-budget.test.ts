// The quantifier budget (runtime.ts): nested any/all cannot multiply an event's work without bound.
// Each test has a timeout so that a regression fails instead of running for hours.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile } from "../../src/expr/compile.js";
import { evaluate } from "../../src/expr/interpret.js";
import { parse } from "../../src/expr/parser.js";
import { QUANTIFIER_BUDGET } from "../../src/expr/runtime.js";
import type { EvalContext, JsonObject, Value } from "../../src/expr/value.js";
import { buildColumnBatch } from "../../src/store/column-builder.js";

const ctx: EvalContext = { now: 1_700_000_000, timeZone: "UTC" };
const GUARD = { timeout: 60_000 };

/**
 * What every engine makes of `source` on each row: the interpreter, compiled rows and compiled
 * columns give values; the compiled filter gives whether it kept the row (true) or not (false).
 */
function everyEngine(
  source: string,
  rows: { properties: JsonObject }[],
): { engine: string; values: Value[] }[] {
  const tree = parse(source);
  const compiled = compile(tree, ctx);
  const bound = compiled.bind(buildColumnBatch(rows));
  const selection = new Uint32Array(rows.length);
  const kept = new Set(selection.subarray(0, bound.filter(selection)));
  return [
    { engine: "interpreter", values: rows.map((row) => evaluate(tree, row, ctx)) },
    { engine: "compiled rows", values: rows.map((row) => compiled.evaluateRow(row)) },
    { engine: "compiled columns", values: rows.map((_, i) => bound.valueAt(i)) },
    { engine: "compiled filter", values: rows.map((_, i) => kept.has(i)) },
  ];
}

/** Every engine's verdict: true where the row is kept (the value is exactly true). */
function verdicts(source: string, rows: { properties: JsonObject }[]): [string, boolean[]][] {
  return everyEngine(source, rows).map(({ engine, values }) => [engine, values.map((v) => v === true)]);
}

/** `any` nested `depth` deep over ten-element literal lists, true only if some sum is 1. */
function nestedAny(depth: number): string {
  const list = `[${Array(10).fill(0).join(",")}]`;
  const names = Array.from({ length: depth }, (_, i) => `v${i}`);
  let source = `${names.join(" + ")} == 1`;
  for (let i = depth - 1; i >= 0; i--) source = `any(${names[i]}, ${list}, ${source})`;
  return source;
}

describe("the quantifier budget", () => {
  it(
    "stops seven nested levels (ten million runs, seconds to fold) at the budget: undefined in every engine",
    GUARD,
    () => {
      const source = nestedAny(7);
      assert.ok(source.length < 300);
      for (const { engine, values } of everyEngine(source, [{ properties: {} }])) {
        assert.deepEqual(values, [engine === "compiled filter" ? false : undefined], engine);
      }
    },
  );

  it("leaves a quantifier within the budget exact: 255 elements, nested over small lists", GUARD, () => {
    const rows = [
      { properties: { l: Array.from({ length: 255 }, (_, i) => i) } },
      { properties: { l: [1, 2, 3] } },
      { properties: { l: "not a list" } },
    ];
    for (const [engine, kept] of verdicts('any(x, properties["l"], x == 254)', rows)) {
      assert.deepEqual(kept, [true, false, false], engine);
    }
    for (const [engine, kept] of verdicts(
      "all(a, [1, 2, 3], any(b, [1, 2, 3], a * b == 9) or a < 3)",
      rows,
    )) {
      assert.deepEqual(kept, [true, true, true], engine);
    }
  });

  it(
    "gives undefined once nesting over long lists would pass it, and so does a quantifier run after it",
    GUARD,
    () => {
      const l = Array.from({ length: 255 }, (_, i) => i);
      const rows = [{ properties: { l } }];
      // 255 × 255 runs of a predicate of 12 characters: about 780,000 against a budget of 65,536.
      assert.ok(255 * 255 * 12 > QUANTIFIER_BUDGET);
      for (const { engine, values } of everyEngine(
        'any(a, properties["l"], any(b, properties["l"], a+b == -1))',
        rows,
      )) {
        assert.deepEqual(values, [engine === "compiled filter" ? false : undefined], engine);
      }
      // In source order, as the interpreter runs it, a quantifier after the one that ran out finds
      // nothing left. (A compiled expression may run the cheaper one first: which quantifiers come out
      // undefined on an event past the budget depends on the order; within it the engines agree.)
      const after =
        'any(a, properties["l"], any(b, properties["l"], a+b == -1)) or any(c, properties["l"], c == 1)';
      assert.equal(evaluate(parse(after), rows[0], ctx), false);
      assert.equal(evaluate(parse('any(c, properties["l"], c == 1)'), rows[0], ctx), true);
    },
  );

  it("is one budget per event for all the parts of an expression, in every engine", GUARD, () => {
    const l = Array.from({ length: 5000 }, (_, i) => i);
    const rows = [{ properties: { l } }, { properties: { l: [4999] } }];
    // Each side alone fits (5,000 runs of a 7-character predicate: 35,000); both on one event do not.
    const side = (target: number) => `any(b, properties["l"], b == ${target})`;
    assert.ok(5000 * 7 < QUANTIFIER_BUDGET && 2 * 5000 * 7 > QUANTIFIER_BUDGET);
    for (const [engine, kept] of verdicts(`${side(-1)} or ${side(4999)}`, rows)) {
      assert.deepEqual(kept, [false, true], `${engine}: the second side ran out of what the first left`);
    }
    for (const [engine, kept] of verdicts(side(4999), rows)) assert.deepEqual(kept, [true, true], engine);
  });
});

describe("the quantifier budget on columns", () => {
  it(
    "is shared by a row's parts even when their lists come from strings (no table over a dictionary)",
    GUARD,
    () => {
      const text = JSON.stringify(Array.from({ length: 5000 }, (_, i) => i));
      const rows = [{ properties: { l: text, m: text } }, { properties: { l: "[1]", m: "[4999]" } }];
      const source = 'any(b, list(properties["l"]), b == -1) or any(c, list(properties["m"]), c == 4999)';
      for (const [engine, kept] of verdicts(source, rows)) assert.deepEqual(kept, [false, true], engine);
    },
  );

  it("starts afresh each time a row is evaluated, so reading a row twice reads the same", GUARD, () => {
    const l = Array.from({ length: 5000 }, (_, i) => i);
    const rows = [{ properties: { l } }];
    const tree = parse('any(b, properties["l"], b == 4999) and any(c, properties["l"], c == 0)');
    const bound = compile(tree, ctx).bind(buildColumnBatch(rows));
    assert.deepEqual([bound.valueAt(0), bound.valueAt(0), bound.valueAt(0)], [true, true, true]);
    const out = new Uint32Array(1);
    assert.deepEqual([bound.filter(out), bound.filter(out), bound.count()], [1, 1, 1]);
  });
});
