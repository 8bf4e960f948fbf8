import assert from "node:assert/strict";
import { test } from "node:test";
import { ByteReader, ByteWriter } from "../../src/store/byte-io.js";
import { decodeInts, encodeInts, IntEncoding } from "../../src/store/int-codec.js";
import { decimalScale, decodeNumbers, encodeNumbers } from "../../src/store/number-codec.js";
import { decodeStringList, encodeStringList } from "../../src/store/string-list-codec.js";
import { seededRandom } from "../seeded-random.js";

function intsRoundTrip(values: number[]): { encoding: number; bytes: number } {
  const encoded = encodeInts(Float64Array.from(values));
  const out = new Float64Array(values.length);
  const r = new ByteReader(encoded, "test");
  decodeInts(r, values.length, out);
  r.done();
  assert.deepStrictEqual(Array.from(out), values);
  return { encoding: encoded[0], bytes: encoded.length };
}

function numbersRoundTrip(values: number[]): void {
  const w = new ByteWriter();
  encodeNumbers(Float64Array.from(values), w);
  const out = new Float64Array(values.length);
  const r = new ByteReader(w.finish(), "test");
  decodeNumbers(r, values.length, out);
  r.done();
  assert.deepStrictEqual(Array.from(out), values);
}

test("integer sequences pick the smallest encoding and decode exactly", () => {
  assert.equal(intsRoundTrip([7, 7, 7, 7]).encoding, IntEncoding.Const);
  assert.equal(intsRoundTrip([0, 1, 1, 0, 1, 0, 0, 1, 1, 1]).encoding, IntEncoding.For);
  const sorted = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 3);
  assert.equal(intsRoundTrip(sorted).encoding, IntEncoding.Delta);
  const runs = Array.from({ length: 1000 }, (_, i) => (Math.floor(i / 50) * 1_000_003) % 65_537);
  assert.equal(intsRoundTrip(runs).encoding, IntEncoding.Rle);
  assert.equal(intsRoundTrip([0, 2 ** 40, 5]).encoding, IntEncoding.Raw);
  assert.equal(intsRoundTrip([-0, 1]).encoding, IntEncoding.Raw, "-0 is not an integer the packer can keep");
  intsRoundTrip([]);
});

test("bit packing is exact at every width from 0 to 32", () => {
  const rand = seededRandom(32);
  for (let width = 0; width <= 32; width++) {
    const max = 2 ** width - 1;
    const values = Array.from({ length: 97 }, (_, i) => (i === 0 ? max : Math.floor(rand() * (max + 1))) - 5);
    intsRoundTrip(values);
  }
});

test("numbers come back as the same doubles, decimals scaled and everything else raw", () => {
  assert.equal(decimalScale(Float64Array.from([1.5, 2.25, 100])), 2);
  assert.equal(decimalScale(Float64Array.from([1_700_000_000.123, 1_700_000_000.5])), 3);
  assert.equal(decimalScale(Float64Array.from([0.1, -0])), -1, "-0 cannot be a scaled integer");
  assert.equal(decimalScale(Float64Array.from([5e-324])), -1);
  numbersRoundTrip([0.1, 0.2, 0.3, -0, 12.5]);
  numbersRoundTrip([1e308, -1e308, 5e-324, 2 ** 60, -(2 ** 63), 1e21, 0.1 + 0.2]);
  numbersRoundTrip([1_700_000_000.123, 1_700_000_000.001, 1_700_000_123.999]);
  const rand = seededRandom(11);
  numbersRoundTrip(Array.from({ length: 500 }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20)));
});

test("string lists keep every code unit, lone surrogates included", () => {
  for (const strings of [
    ["", "a", "日本語", "😀", "a\u0000b"],
    ["\ud800", "x", "\udc00", "\ud83d", "\ude00"],
    [],
  ]) {
    const w = new ByteWriter();
    encodeStringList(strings, w);
    const r = new ByteReader(w.finish(), "test");
    assert.deepStrictEqual(decodeStringList(r), strings);
    r.done();
  }
});
