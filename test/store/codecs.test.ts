import assert from "node:assert/strict";
import { test } from "node:test";
import { ByteReader, ByteWriter } from "../../src/store/byte-io.js";
import { decodeTagsBody, encodeTagsBody } from "../../src/store/column-codec.js";
import { decodeInts, encodeByteInts, encodeInts, IntEncoding } from "../../src/store/int-codec.js";
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

/** Byte sequences of every shape the encodings tell apart: empty, constant, runs, steps, noise. */
function byteSequences(): Uint8Array[] {
  const rand = seededRandom(7);
  const out: Uint8Array[] = [new Uint8Array(0), Uint8Array.of(3), Uint8Array.of(0, 0), Uint8Array.of(5, 1)];
  for (const length of [3, 17, 100, 5_000]) {
    for (const distinct of [1, 2, 3, 7, 256]) {
      const noise = Uint8Array.from({ length }, () => Math.floor(rand() * distinct));
      const runs = new Uint8Array(length);
      for (let i = 0, v = 0; i < length; i++) {
        if (rand() < 0.05) v = Math.floor(rand() * distinct);
        runs[i] = v;
      }
      const steps = Uint8Array.from({ length }, (_, i) => (i * (distinct > 2 ? 1 : 0)) % distinct);
      out.push(noise, runs, steps);
    }
  }
  return out;
}

test("bytes encode exactly as the same integers held as doubles", () => {
  for (const values of byteSequences()) {
    const encoded = encodeByteInts(values);
    assert.deepStrictEqual(encoded, encodeInts(new Float64Array(values)), `${values.length} bytes`);
    const out = new Float64Array(values.length);
    const r = new ByteReader(encoded, "test");
    decodeInts(r, values.length, out);
    r.done();
    assert.deepStrictEqual(out, new Float64Array(values));
  }
});

test("tags encode to palette indexes, as integer sequences of doubles did, and decode back", () => {
  for (const indexes of byteSequences()) {
    if (indexes.length === 0) continue;
    // Tags 0 … 6 from the indexes, through a palette of every other tag.
    const palette = [0, 2, 3, 5, 6, 1, 4];
    const tags = Uint8Array.from(indexes, (k) => palette[k % palette.length]);
    const used = Array.from(new Set(tags)).sort((a, b) => a - b);
    const reference = new ByteWriter();
    reference.u8(used.length);
    for (const t of used) reference.u8(t);
    reference.bytes(encodeInts(Float64Array.from(tags, (t) => used.indexOf(t))));
    const body = encodeTagsBody(tags);
    assert.deepStrictEqual(body, reference.finish());
    assert.deepStrictEqual(decodeTagsBody(body, tags.length, "test"), tags);
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
