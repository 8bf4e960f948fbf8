// The semantics table, function by function: the rules the shared cases do not pin down.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as rt from "../../src/expr/runtime.js";
import { DateTime, type JsonObject, type Value } from "../../src/expr/value.js";

const ctx = { now: 0, timeZone: "UTC" };
const dt = (iso: string) => new DateTime(Date.parse(iso) / 1000);

describe("arithmetic", () => {
  it("gives undefined for non-numbers, a zero divisor and non-finite results", () => {
    assert.equal(rt.add(1, "1"), undefined);
    assert.equal(rt.divide(1, 0), undefined);
    assert.equal(rt.remainder(1, 0), undefined);
    assert.equal(rt.multiply(1e308, 10), undefined);
    assert.equal(rt.subtract(null, 1), undefined);
    assert.equal(rt.negate("1"), undefined);
  });

  it("concatenates strings up to MAX_STRING_LENGTH units; a longer result is undefined, never an error", () => {
    const half = "x".repeat(rt.MAX_STRING_LENGTH / 2);
    assert.equal((rt.add(half, half) as string).length, rt.MAX_STRING_LENGTH);
    assert.equal(rt.add(half, `${half}!`), undefined);
    let s: Value = "x".repeat(1 << 20);
    for (let i = 0; i < 600 && s !== undefined; i++) s = rt.add(s, "x".repeat(1 << 20));
    assert.equal(s, undefined, "600 one-megabyte terms end undefined instead of throwing RangeError");
  });

  it("takes the sign of the dividend in %", () => {
    assert.deepEqual([rt.remainder(7, -3), rt.remainder(-7, 3), rt.remainder(5.5, 2)], [1, -1, 1.5]);
  });

  it("moves a datetime by seconds, floored, in either order, and subtracts datetimes", () => {
    const t = new DateTime(100);
    assert.deepEqual(rt.add(t, 1.7), new DateTime(101));
    assert.deepEqual(rt.add(1.7, t), new DateTime(101));
    assert.deepEqual(rt.subtract(t, 0.5), new DateTime(99));
    assert.equal(rt.subtract(new DateTime(160), t), 60);
    assert.equal(rt.add(t, t), undefined);
    assert.equal(rt.add(t, 1e300), undefined);
  });
});

describe("logic", () => {
  it("negates booleans, calls undefined false, and leaves anything else undefined", () => {
    assert.deepEqual(
      [rt.not(true), rt.not(false), rt.not(undefined), rt.not(null), rt.not(0)],
      [false, true, true, undefined, undefined],
    );
  });

  it("counts only true as true", () => {
    assert.deepEqual([true, 1, "true", [true]].map(rt.isTrue), [true, false, false, false]);
  });
});

describe("comparison", () => {
  it("compares lists and objects deeply, ignoring object key order", () => {
    assert.equal(rt.equals([1, [2, { a: 3 }]], [1, [2, { a: 3 }]]), true);
    assert.equal(rt.equals({ a: 1, b: 2 }, { b: 2, a: 1 }), true);
    assert.equal(rt.equals({ a: 1 }, { a: 1, b: undefined }), false);
    assert.equal(rt.equals([1], [1, 2]), false);
  });

  it("says different kinds are unequal", () => {
    assert.equal(rt.equals(1, "1"), false);
    assert.equal(rt.equals(null, undefined), false);
    assert.equal(rt.equals(new DateTime(1), 1), false);
    assert.equal(rt.equals([], {}), false);
  });

  it("compares datetimes to the second", () => {
    assert.equal(rt.equals(new DateTime(5.2), new DateTime(5.9)), true);
    assert.equal(rt.less(new DateTime(5), new DateTime(6)), true);
  });

  it("orders strings by code point, not by UTF-16 unit", () => {
    // U+1F600 is one code point above U+FFFF but its first UTF-16 unit (0xD83D) is below 0xFFFF.
    assert.equal(rt.greater("😀", "\uffff"), true);
    assert.equal(rt.less("\uffff", "😀"), true);
    assert.equal(rt.less("a", "ab"), true);
    assert.equal(rt.lessEq("b", "b"), true);
    assert.equal(rt.greaterEq("B", "a"), false);
  });

  it("gives undefined when ordering different kinds", () => {
    assert.equal(rt.less(1, "2"), undefined);
    assert.equal(rt.greater(true, false), undefined);
    assert.equal(rt.lessEq(null, null), undefined);
  });

  it("tests substrings and list membership with in, else undefined", () => {
    assert.equal(rt.contains("ll", "hello"), true);
    assert.equal(rt.contains("L", "hello"), false);
    assert.equal(rt.contains([1], [[1], 2]), true);
    assert.equal(rt.contains(1, ["1"]), false);
    assert.equal(rt.contains(1, "1"), undefined);
    assert.equal(rt.contains("a", { a: 1 }), undefined);
  });
});

describe("reading members", () => {
  const props = JSON.parse('{"__proto__": {"x": 1}, "a": [10, 20, 30], "time": 1704164645.9}') as JsonObject;

  it("treats __proto__ and constructor as data, never the prototype", () => {
    assert.deepEqual(rt.readMember(props, "__proto__"), { x: 1 });
    assert.equal(rt.readMember(props, "constructor"), undefined);
    assert.equal(rt.readMember(props, "toString"), undefined);
    assert.equal(rt.index({ a: 1 }, "hasOwnProperty"), undefined);
  });

  it("reads the time property as a datetime", () => {
    assert.deepEqual(rt.readEventProperty(props, "time"), dt("2024-01-02T03:04:05Z"));
    assert.equal(rt.readMember(props, "time"), 1704164645.9);
  });

  it("indexes lists by integer, negative from the end", () => {
    const list = props.a;
    assert.deepEqual([rt.index(list, 0), rt.index(list, -1), rt.index(list, -3)], [10, 30, 10]);
    assert.deepEqual(
      [rt.index(list, 3), rt.index(list, -4), rt.index(list, 0.5), rt.index(list, "0")],
      [undefined, undefined, undefined, undefined],
    );
    assert.equal(rt.index("abc", 0), undefined);
    assert.equal(rt.index({ "1": "x" }, 1), undefined);
  });
});

describe("conversions", () => {
  it("reads only decimal numbers from strings", () => {
    const read = (s: string) => rt.toNumber(s);
    assert.deepEqual(["  7 ", "-1.5e2", ".5", "5."].map(read), [7, -150, 0.5, 5]);
    for (const s of ["", " ", "12abc", "0x1", "NaN", "Infinity", "-Infinity", "1e999", "1_000", "0b1"]) {
      assert.equal(read(s), undefined, s);
    }
  });

  it("turns booleans and datetimes into numbers, and nothing else", () => {
    assert.deepEqual([rt.toNumber(true), rt.toNumber(false), rt.toNumber(new DateTime(9))], [1, 0, 9]);
    assert.deepEqual(
      [rt.toNumber(null), rt.toNumber([1]), rt.toNumber({})],
      [undefined, undefined, undefined],
    );
  });

  it("writes numbers as JavaScript does and lists as compact JSON", () => {
    assert.deepEqual(
      [1e21, 0.1, -0, 1.5].map((n) => rt.toStringValue(n, "UTC")),
      ["1e+21", "0.1", "0", "1.5"],
    );
    assert.equal(rt.toStringValue([1, "a", null, { b: true }], "UTC"), '[1,"a",null,{"b":true}]');
    assert.equal(rt.toStringValue([new DateTime(0)], "UTC"), '["1970-01-01T00:00:00"]');
    assert.equal(rt.toStringValue(null, "UTC"), null);
    assert.equal(rt.toStringValue(undefined, "UTC"), undefined);
  });

  it("keeps a __proto__ key when writing an object", () => {
    const o = JSON.parse('{"__proto__": 1}') as JsonObject;
    assert.equal(rt.toStringValue(o, "UTC"), '{"__proto__":1}');
  });

  it("reads false, empty and zero values as false in boolean()", () => {
    const falsy: Value[] = ["false", "", 0, null, undefined, []];
    const truthy: Value[] = ["False", "0", 1, -1, {}, [0], new DateTime(0), true];
    assert.ok(falsy.every((v) => rt.toBoolean(v) === false));
    assert.ok(truthy.every((v) => rt.toBoolean(v) === true));
  });

  it("reads numbers as seconds up to 4294967295 and milliseconds above", () => {
    assert.deepEqual(rt.toDateTime(4294967295, "UTC"), new DateTime(4294967295));
    assert.deepEqual(rt.toDateTime(4294967296, "UTC"), new DateTime(4294967));
    assert.deepEqual(rt.toDateTime(1704164645123, "UTC"), dt("2024-01-02T03:04:05Z"));
    assert.deepEqual(
      [0, -1, Number.NaN].map((n) => rt.toDateTime(n, "UTC")),
      [undefined, undefined, undefined],
    );
  });

  it("reads dates, times, fractions and offsets from strings", () => {
    assert.deepEqual(rt.toDateTime("2024-01-02", "UTC"), dt("2024-01-02T00:00:00Z"));
    assert.deepEqual(rt.toDateTime("2024-01-02T03:04:05.999", "UTC"), dt("2024-01-02T03:04:05Z"));
    assert.deepEqual(rt.toDateTime("2024-01-02T03:04:05+05:30", "UTC"), dt("2024-01-01T21:34:05Z"));
    assert.deepEqual(rt.toDateTime("2024-01-02T03:04:05-01:00", "Europe/Berlin"), dt("2024-01-02T04:04:05Z"));
    assert.deepEqual(rt.toDateTime("2024-02-29", "UTC"), dt("2024-02-29T00:00:00Z"));
  });

  it("rejects malformed and impossible datetimes", () => {
    const bad = [
      "2023-02-29",
      "2024-13-01",
      "2024-01-32",
      "2024-01-02T24:00:00",
      "2024-01-02 03:04:05",
      "2024-1-2",
      "2024-01-02T03:04",
      "2024-01-02Z",
      "x",
    ];
    for (const s of bad) assert.equal(rt.toDateTime(s, "UTC"), undefined, s);
    assert.equal(rt.toDateTime(true, "UTC"), undefined);
  });

  it("reads a list from a string holding a JSON array only", () => {
    assert.deepEqual(rt.toList('[1, "a", [true]]'), [1, "a", [true]]);
    assert.deepEqual(["{}", "1", "[1,", "", "null"].map(rt.toList), [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("refuses a JSON array nested too deeply to compare or print safely", () => {
    assert.equal(rt.toList(`${"[".repeat(10000)}${"]".repeat(10000)}`), undefined);
    const deepest = rt.MAX_JSON_DEPTH;
    assert.ok(Array.isArray(rt.toList(`${"[".repeat(deepest)}${"]".repeat(deepest)}`)));
    assert.equal(rt.toList(`${"[".repeat(deepest + 1)}${"]".repeat(deepest + 1)}`), undefined);
  });

  it("refuses a JSON array holding a number too large to be finite: the language has none", () => {
    for (const text of ["[1e400]", "[-1e400]", '[1, {"a": [2e308]}]'])
      assert.equal(rt.toList(text), undefined, text);
    assert.deepEqual(rt.toList("[1e308, -0, 5e-324]"), [1e308, -0, 5e-324]);
  });
});

describe("functions", () => {
  it("rounds half away from zero", () => {
    assert.deepEqual([2.5, -2.5, 0.5, -0.5, 1.4, -1.6].map(rt.round), [3, -3, 1, -1, 1, -2]);
  });

  it("counts code points in len", () => {
    assert.deepEqual(
      [rt.len("😀"), rt.len("héllo"), rt.len(""), rt.len([1, 2]), rt.len("\ud83d")],
      [1, 5, 0, 2, 1],
    );
  });

  it("applies string functions to strings only", () => {
    assert.equal(rt.hasPrefix("Hello", "He"), true);
    assert.equal(rt.hasSuffix("Hello", "LO"), false);
    assert.equal(rt.hasPrefix(1, "1"), undefined);
    assert.equal(rt.upper("straße"), "STRASSE");
    assert.equal(rt.lower(1), undefined);
  });

  it("calls defined false only for undefined and null", () => {
    assert.deepEqual([undefined, null, false, 0, ""].map(rt.defined), [false, false, true, true, true]);
  });

  it("dispatches every function by name", () => {
    assert.equal(rt.callFunction("has_suffix", ["abc", "bc"], ctx), true);
    assert.equal(rt.callFunction("string", [new DateTime(0)], ctx), "1970-01-01T00:00:00");
  });
});

describe("segment keys", () => {
  it("names one segment for a scalar", () => {
    const key = (v: Value) => rt.segmentKeys(v, "UTC");
    assert.deepEqual(
      [key("a"), key(1.5), key(true), key(undefined), key(null)],
      [["a"], ["1.5"], ["true"], ["undefined"], ["null"]],
    );
    assert.deepEqual(key(new DateTime(0)), ["1970-01-01T00:00:00"]);
  });

  it("names one segment per distinct element of a list", () => {
    assert.deepEqual(rt.segmentKeys(["a", "b", "a", 1, "1", [2]], "UTC"), ["a", "b", "1", "[2]"]);
    assert.deepEqual(rt.segmentKeys([], "UTC"), []);
  });
});
