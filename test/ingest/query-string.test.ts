import assert from "node:assert/strict";
import { parse } from "node:querystring";
import { describe, it } from "node:test";
import { MAX_QUERY_FIELDS, parseQueryString } from "../../src/ingest/query-string.js";
import { seededRandom } from "../seeded-random.js";

// Raw non-ASCII next to a broken escape is left out: querystring then mangles the raw character or
// not depending on where its scanner last saw a valid escape; the case below pins Tally's reading.
const PIECES = [
  "a",
  "b",
  "data",
  "=",
  "&",
  "+",
  "%",
  "%2",
  "%2B",
  "%3D",
  "%E2%82%AC",
  "%C3",
  "%28",
  "%zz",
  "__proto__",
  "x y",
];

function randomQuery(next: () => number, maxPieces = 12): string {
  let text = "";
  const length = Math.floor(next() * maxPieces);
  for (let i = 0; i < length; i++) text += PIECES[Math.floor(next() * PIECES.length)];
  return text;
}

describe("parseQueryString", () => {
  it("reads fields exactly as node:querystring.parse does, on 20,000 seeded random strings", () => {
    const next = seededRandom(7);
    for (let i = 0; i < 20_000; i++) {
      const text = randomQuery(next);
      assert.deepEqual({ ...parseQueryString(text) }, { ...parse(text) }, JSON.stringify(text));
    }
  });

  it("reads fields with many escapes (past the ASCII fast path's count) as querystring does", () => {
    const next = seededRandom(11);
    for (let i = 0; i < 2_000; i++) {
      const text = randomQuery(next, 120);
      assert.deepEqual({ ...parseQueryString(text) }, { ...parse(text) }, JSON.stringify(text));
    }
    const json = JSON.stringify([{ event: "e", properties: { "a b": '"q"', path: "/x/y?z=1" } }]);
    const form = new URLSearchParams({ data: json, verbose: "1" }).toString();
    assert.deepEqual({ ...parseQueryString(form) }, { data: json, verbose: "1" });
  });

  it("keeps raw unicode as sent, decoding escapes around it when they are valid", () => {
    assert.deepEqual({ ...parseQueryString("a=é%zz&b=é%E2%82%AC&c=é") }, { a: "é%zz", b: "é€", c: "é" });
  });

  it("keeps user keys off the prototype", () => {
    const fields = parseQueryString("__proto__=x&constructor=y");
    assert.equal(Object.getPrototypeOf(fields), null);
    assert.equal(Object.getOwnPropertyDescriptor(fields, "__proto__")?.value, "x");
    assert.equal(fields.constructor, "y");
  });

  it("ignores fields past the thousandth, as querystring does", () => {
    const text = Array.from({ length: MAX_QUERY_FIELDS + 5 }, (_, i) => `f${i}=1`).join("&");
    const fields = parseQueryString(text);
    assert.equal(Object.keys(fields).length, MAX_QUERY_FIELDS);
    assert.equal(fields[`f${MAX_QUERY_FIELDS}`], undefined);
  });
});
