import assert from "node:assert/strict";
import { parse } from "node:querystring";
import { describe, it } from "node:test";
import { MAX_QUERY_FIELDS, parseQueryString } from "../../src/ingest/query-string.js";

/** Small seeded PRNG (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

function randomQuery(next: () => number): string {
  let text = "";
  const length = Math.floor(next() * 12);
  for (let i = 0; i < length; i++) text += PIECES[Math.floor(next() * PIECES.length)];
  return text;
}

describe("parseQueryString", () => {
  it("reads fields exactly as node:querystring.parse does, on 20,000 seeded random strings", () => {
    const next = random(7);
    for (let i = 0; i < 20_000; i++) {
      const text = randomQuery(next);
      assert.deepEqual({ ...parseQueryString(text) }, { ...parse(text) }, JSON.stringify(text));
    }
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
