import assert from "node:assert/strict";
import { test } from "node:test";
import { compile } from "../../src/expr/compile.js";
import { evaluate } from "../../src/expr/interpret.js";
import { parse } from "../../src/expr/parser.js";
import type { EvalContext, JsonObject, Value } from "../../src/expr/value.js";
import { buildColumnBatch } from "../../src/store/column-builder.js";
import { sameValue } from "./expr-cases.js";

const ctx: EvalContext = { now: 1_700_000_000, timeZone: "UTC" };

const MIXED: readonly Value[] = [
  "DE",
  "FR",
  60,
  10,
  "60",
  " 3 ",
  null,
  true,
  false,
  undefined,
  [1, "DE"],
  { k: 1 },
  "DE",
  -0,
];

/** One row per value of `x`, with a second property and a time, to filter on. */
function mixedRows(): { properties: JsonObject }[] {
  return MIXED.map((x, i) => {
    const properties: Record<string, Value> = { time: i * 10 + 0.5, amount: i * 10 };
    if (x !== undefined) properties.x = x;
    return { properties: properties as JsonObject };
  });
}

/** Compiles, binds one batch, and checks filter, count, values and chaining against the interpreter. */
function check(source: string, rows: { properties: JsonObject; user?: JsonObject }[]) {
  const tree = parse(source);
  const bound = compile(tree, ctx).bind(buildColumnBatch(rows));
  const want = rows.map((row) => evaluate(tree, row, ctx));
  rows.forEach((_, i) => {
    assert.ok(sameValue(bound.valueAt(i), want[i]), `${source}: value of row ${i}`);
  });
  const matching = want.flatMap((v, i) => (v === true ? [i] : []));
  const selection = new Uint32Array(rows.length);
  const n = bound.filter(selection);
  assert.deepEqual([...selection.subarray(0, n)], matching, `${source}: filter`);
  assert.equal(bound.count(), matching.length, `${source}: count`);
  const odd = Uint32Array.from(rows.keys()).filter((i) => i % 2 === 1);
  const kept = bound.filterSelection(odd, odd.length, odd);
  assert.deepEqual(
    [...odd.subarray(0, kept)],
    matching.filter((i) => i % 2 === 1),
    `${source}: filterSelection in place`,
  );
  return bound.explain();
}

test("string equality compares dictionary codes, the literal resolved once per segment", () => {
  const cond = check('properties["x"] == "DE"', mixedRows());
  assert.match(cond, /^v\d+\[i\] === v\d+$/);
  assert.match(check('properties["x"] != "DE"', mixedRows()), /^v\d+\[i\] !== v\d+$/);
});

test("a literal absent from the segment's dictionary makes the comparison constant for the segment", () => {
  assert.equal(check('properties["x"] == "IT"', mixedRows()), "false");
  assert.equal(check('properties["x"] != "IT"', mixedRows()), "true");
  assert.equal(check('properties["x"] == "IT" and properties["amount"] > 5', mixedRows()), "false");
  assert.match(
    check('properties["x"] == "IT" or properties["amount"] > 5', mixedRows()),
    /^v\d+\[i\] > v\d+$/,
  );
});

test("a property missing from the whole segment decides its leaf once", () => {
  assert.equal(check('properties["nope"] == "x"', mixedRows()), "false");
  assert.equal(check('not defined(properties["nope"])', mixedRows()), "true");
  assert.equal(check('user["nope"] > 1', mixedRows()), "false");
});

test("a numeric comparison reads the numbers array directly, rows without a number failing it", () => {
  assert.match(check('properties["amount"] > 50', mixedRows()), /^v\d+\[i\] > v\d+$/);
  assert.match(check('50 >= properties["amount"]', mixedRows()), /^v\d+\[i\] <= v\d+$/);
  check('properties["x"] > 20', mixedRows());
  check('properties["x"] == 60', mixedRows());
  check('properties["x"] != 0', mixedRows());
});

test("results stay three-valued where they are not filtered: under not, against booleans, as values", () => {
  check('not (properties["x"] > 20)', mixedRows());
  check('not (properties["x"] > 20) and not (properties["x"] < 20)', mixedRows());
  check('(properties["x"] > 20) == false', mixedRows());
  check('(properties["x"] > 20) != true', mixedRows());
  check('properties["x"] == true', mixedRows());
  check('not properties["x"]', mixedRows());
  check('properties["x"] > 20 or properties["x"]', mixedRows());
});

test("in over a literal list becomes a table over dictionary codes and a set over numbers", () => {
  const cond = check('properties["x"] in ["DE", "IT", 60, true]', mixedRows());
  assert.match(cond, /v\d+\[v\d+\[i\] \+ 1\] === 1/);
  assert.match(cond, /\.has\(v\d+\[i\]\)/);
  check('properties["x"] not in ["DE", 10, false]', mixedRows());
  check('properties["x"] in [[1, "DE"], list("[null]")[0]]', mixedRows());
  check('number(properties["x"]) in [3, 60]', mixedRows());
});

test("a one-property test of any shape is decided per dictionary entry and per kind of row", () => {
  for (const source of [
    'number(properties["x"]) >= 3',
    'has_prefix(properties["x"], "D")',
    'lower(properties["x"]) == "de"',
    'len(properties["x"]) == 2',
    'defined(properties["x"])',
    'boolean(properties["x"])',
    'properties["x"] + "E" == "DEE"',
    'string(properties["x"]) == "60"',
    'any(e, list(properties["x"]), e == "DE")',
  ]) {
    check(source, mixedRows());
  }
  assert.match(check('has_prefix(properties["x"], "D")', mixedRows()), /\[v\d+\[i\] \+ 1\] === 1/);
});

test("a test reading several properties is evaluated exactly per row", () => {
  const cond = check(
    'properties["x"] == properties["amount"] or properties["amount"] + 1 > properties["x"]',
    mixedRows(),
  );
  assert.match(cond, /\(i\) === true/);
  check('properties["x"] == "DE" and properties["amount"] > 50', mixedRows());
});

test("comparing the time with a datetime works on the time column, fractions and range included", () => {
  const rows = mixedRows();
  rows.push({ properties: { amount: 1 } }, { properties: { time: 9e12 } }, { properties: { time: -9e12 } });
  assert.match(check('properties["time"] > datetime(50)', rows), /v\d+\[i\] >= v\d+ && v\d+\[i\] <= v\d+/);
  check('properties["time"] >= datetime(50)', rows);
  check('properties["time"] < datetime(50)', rows);
  check('properties["time"] <= datetime(50)', rows);
  check('properties["time"] == datetime(50)', rows);
  check('properties["time"] != datetime(50)', rows);
  check('not (properties["time"] < datetime(30))', rows);
  check('properties["time"] > datetime(30) + 1', rows);
  check('defined(properties["time"])', rows);
  check('properties["time"] > 5', rows);
});

test("user properties bind to the batch's user columns", () => {
  const rows = [
    { properties: { a: 1 }, user: { plan: "pro", seats: 5 } },
    { properties: { a: 2 }, user: { plan: "free" } },
    { properties: { a: 3 } },
    { properties: { a: 4 }, user: { plan: "pro", seats: "5" } },
  ] as { properties: JsonObject; user?: JsonObject }[];
  check('user["plan"] == "pro"', rows);
  check('user["plan"] == "pro" and user["seats"] >= 5', rows);
  check('user["plan"] == properties["plan"]', rows);
});

test("a dictionary far larger than the batch is not tabulated; rows are evaluated instead", () => {
  const rows = Array.from({ length: 3 }, (_, i) => ({ properties: { x: `v${i}` } as JsonObject }));
  const batch = buildColumnBatch(rows);
  const column = batch.property("x")!;
  const big = Array.from({ length: 5_000 }, (_, k) => `v${k}`);
  const wide = {
    ...batch,
    property: (name: string) => (name === "x" ? { ...column, dictionary: big } : undefined),
  };
  const bound = compile(parse('has_prefix(properties["x"], "v1")'), ctx).bind(wide);
  assert.match(bound.explain(), /\(i\) === true/);
  assert.equal(bound.count(), 1);
});

test("an empty batch filters to nothing", () => {
  const bound = compile(parse('properties["x"] == "DE"'), ctx).bind(buildColumnBatch([]));
  assert.equal(bound.filter(new Uint32Array(0)), 0);
  assert.equal(bound.count(), 0);
});

test("a range compare of arithmetic over numeric columns runs on the numbers arrays", () => {
  const rows = [
    { properties: { a: 3, b: 1 } },
    { properties: { a: 1, b: 1 } },
    { properties: { a: 1e300, b: 1e300 } },
    { properties: { a: null, b: 0 } },
    { properties: { b: -2 } },
    { properties: { a: true, b: false } },
    { properties: { a: 5, b: 0 } },
  ] as { properties: JsonObject }[];
  const cond = check('properties["a"] * 2 > properties["b"] + 1', rows);
  assert.doesNotMatch(cond, /\(i\)/);
  check('properties["a"] * properties["b"] >= 0', rows);
  check('properties["a"] / properties["b"] < 10', rows);
  check('round(properties["a"] % 2) > -properties["b"]', rows);
  check('properties["a"] > properties["b"]', rows);
  assert.equal(check('properties["a"] > properties["zz"]', rows), "false");
});

test("the same compare falls back to exact evaluation where a column holds strings", () => {
  const rows = [
    { properties: { a: "b", b: "a" } },
    { properties: { a: 2, b: 1 } },
    { properties: { a: "1" } },
  ];
  assert.match(check('properties["a"] > properties["b"]', rows), /\(i\) === true/);
  check('properties["a"] + properties["b"] > 1', rows);
});
