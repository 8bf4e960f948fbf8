import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeTagsBody, encodeTagsBody } from "../../src/store/column-codec.js";
import { encodeByteInts, encodeCodes, encodeInts } from "../../src/store/int-codec.js";
import { type Random, seededRandom } from "../seeded-random.js";
import * as reference from "./codec-reference.js";

const SPECIAL = [
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 53,
  -(2 ** 53),
  0.5,
];

/** Values in runs (as columns sorted by user have them) drawn from `draw`. */
function runs(rand: Random, count: number, meanRun: number, draw: () => number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; ) {
    const v = draw();
    for (let n = 1 + Math.floor(rand() * 2 * meanRun); n > 0 && i < count; n--) out[i++] = v;
  }
  return out;
}

function sequences(rand: Random): Float64Array[] {
  const small = () => Math.floor(rand() * 40);
  const special = () => SPECIAL[Math.floor(rand() * SPECIAL.length)];
  const anyNumber = () => (rand() < 0.2 ? special() : rand() < 0.5 ? small() : (rand() - 0.5) * 1e6);
  const out: Float64Array[] = [
    new Float64Array(0),
    Float64Array.of(7),
    Float64Array.of(-0),
    Float64Array.of(Number.NaN),
    Float64Array.of(0, -0, 0),
    Float64Array.of(0, 0, -0),
    Float64Array.of(2 ** 31 - 1, 2 ** 31, 0),
  ];
  for (const count of [2, 3, 10, 100, 5_000]) {
    out.push(new Float64Array(count).fill(3));
    out.push(Float64Array.from({ length: count }, small));
    out.push(Float64Array.from({ length: count }, (_, i) => i));
    out.push(Float64Array.from({ length: count }, (_, i) => 1_000 + 3 * i + (i % 2)));
    out.push(Float64Array.from({ length: count }, anyNumber));
    for (const meanRun of [1, 3, 20]) {
      out.push(runs(rand, count, meanRun, small));
      out.push(runs(rand, count, meanRun, special));
      out.push(runs(rand, count, meanRun, anyNumber));
      out.push(runs(rand, count, meanRun, () => (rand() < 0.5 ? 2 ** 52 : -(2 ** 52))));
    }
  }
  return out;
}

test("integer sequences encode to the bytes the reference encoder writes (runs, -0, NaN, infinities, wide ranges)", () => {
  const rand = seededRandom(501);
  for (const values of sequences(rand)) {
    assert.deepStrictEqual(encodeInts(values), reference.encodeInts(values), `${values.length} values`);
    assert.deepStrictEqual(encodeInts(values, false), reference.encodeInts(values, false));
    // Codes take their own stats; anything else falls back to encodeInts'.
    assert.deepStrictEqual(encodeCodes(values), reference.encodeInts(values), `${values.length} codes`);
    if (values.every((v) => Number.isInteger(v) && v >= 0 && v < 256 && !Object.is(v, -0))) {
      const bytes = Uint8Array.from(values);
      assert.deepStrictEqual(
        encodeByteInts(bytes),
        reference.encodeByteInts(bytes),
        `${values.length} bytes`,
      );
    }
  }
});

test("tag columns encode to the reference's bytes and decode back, one tag to all seven", () => {
  const rand = seededRandom(502);
  for (const count of [1, 2, 9, 1_000, 20_000]) {
    for (const kinds of [1, 2, 3, 7]) {
      const palette = Array.from({ length: kinds }, () => Math.floor(rand() * 7));
      for (const meanRun of [1, 4, 50]) {
        const tags = Uint8Array.from(runs(rand, count, meanRun, () => palette[Math.floor(rand() * kinds)]));
        const body = encodeTagsBody(tags);
        assert.deepStrictEqual(body, reference.encodeTagsBody(tags), `${count} tags of ${kinds} kinds`);
        assert.deepStrictEqual(decodeTagsBody(body, count, "test"), tags);
      }
    }
  }
});
