// The integer and tag encoders as they were before their passes were cut (kept for the differential
// test in codecs-differential.test.ts): every encoding measured the plain way, value by value.

import { bitWidth, packBits, packedBytes } from "../../src/store/bit-pack.js";
import { ByteWriter } from "../../src/store/byte-io.js";
import { IntEncoding } from "../../src/store/int-codec.js";

const RANGE_LIMIT = 2 ** 32;

function isPlainInteger(v: number): boolean {
  return Number.isSafeInteger(v) && !Object.is(v, -0);
}

interface Stats {
  allSame: boolean;
  integers: boolean;
  min: number;
  max: number;
  runs: number;
  /** Range of the differences of consecutive values; NaN when one is not a safe integer. */
  deltaMin: number;
  deltaMax: number;
}

/** One pass that tells the writer every encoding's size without building any. */
function stats(values: Float64Array): Stats {
  let integers = true;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let deltaMin = Number.POSITIVE_INFINITY;
  let deltaMax = Number.NEGATIVE_INFINITY;
  let runs = values.length > 0 ? 1 : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (integers && !isPlainInteger(v)) integers = false;
    if (v < min) min = v;
    if (v > max) max = v;
    if (i === 0) continue;
    if (!Object.is(v, values[i - 1])) runs++;
    const d = v - values[i - 1];
    if (!Number.isSafeInteger(d)) deltaMin = Number.NaN;
    if (d < deltaMin) deltaMin = d;
    if (d > deltaMax) deltaMax = d;
  }
  return { allSame: runs <= 1, integers, min, max, runs, deltaMin, deltaMax };
}

/** Differences of consecutive values (each a safe integer: see Stats). */
function deltas(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length - 1);
  for (let i = 1; i < values.length; i++) out[i - 1] = values[i] - values[i - 1];
  return out;
}

/** Bytes of FOR (or RAW, when FOR does not apply) and of DELTA (Infinity when it does not apply). */
function sizes(s: Stats, count: number): { forOrRaw: number; delta: number } {
  const forOrRaw =
    s.integers && s.max - s.min < RANGE_LIMIT
      ? 10 + packedBytes(count, bitWidth(s.max - s.min))
      : 1 + 8 * count;
  const deltaRange = s.deltaMax - s.deltaMin;
  const delta =
    s.integers && deltaRange < RANGE_LIMIT
      ? 18 + packedBytes(count - 1, bitWidth(deltaRange))
      : Number.POSITIVE_INFINITY;
  return { forOrRaw, delta };
}

function writeFor(w: ByteWriter, values: Float64Array, min: number, max: number): void {
  const width = bitWidth(max - min);
  w.u8(IntEncoding.For);
  w.f64(min);
  w.u8(width);
  w.bytes(packBits(values, 0, values.length, min, width));
}

function writeRaw(w: ByteWriter, values: Float64Array): void {
  w.u8(IntEncoding.Raw);
  w.bytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function encodeDelta(values: Float64Array, s: Stats): Buffer {
  const width = bitWidth(s.deltaMax - s.deltaMin);
  const w = new ByteWriter();
  w.u8(IntEncoding.Delta);
  w.f64(values[0]);
  w.f64(s.deltaMin);
  w.u8(width);
  const d = deltas(values);
  w.bytes(packBits(d, 0, d.length, s.deltaMin, width));
  return w.finish();
}

/** Runs of equal values (-0 and 0 differ, as Object.is tells): doubles, or a tag column's bytes. */
function encodeRle(values: Float64Array | Uint8Array, runs: number): Buffer {
  const runValues = new Float64Array(runs);
  const runLengths = new Float64Array(runs);
  let r = 0;
  for (let i = 0; i < values.length; i++) {
    if (i > 0 && Object.is(values[i], values[i - 1])) {
      runLengths[r - 1]++;
    } else {
      runValues[r] = values[i];
      runLengths[r] = 1;
      r++;
    }
  }
  return writeRle(runValues, runLengths);
}

function writeRle(runValues: Float64Array, runLengths: Float64Array): Buffer {
  const w = new ByteWriter();
  w.u8(IntEncoding.Rle);
  w.u32(runValues.length);
  w.sized(encodeInts(runValues, false));
  w.sized(encodeInts(runLengths, false));
  return w.finish();
}

/** The smallest encoding of `values`. `allowRle` is off inside RLE itself. */
export function encodeInts(values: Float64Array, allowRle = true): Buffer {
  const s = stats(values);
  if (values.length === 0 || s.allSame) return encodeFlat(values);
  // Runs pay only when they are long; skip the trial when they cannot beat what we have.
  const rle = allowRle && s.runs * 2 < values.length ? encodeRle(values, s.runs) : null;
  return smallest(values, s, rle);
}

/** RAW of nothing, or CONST. */
function encodeFlat(values: ArrayLike<number>): Buffer {
  const w = new ByteWriter();
  if (values.length === 0) {
    w.u8(IntEncoding.Raw);
  } else {
    w.u8(IntEncoding.Const);
    w.f64(values[0]);
  }
  return w.finish();
}

/**
 * FOR or DELTA (FOR on a tie), or `rle` when it is smaller still. Their sizes are exact before they
 * are built, so only the one kept is built.
 */
function smallest(values: Float64Array, s: Stats, rle: Buffer | null): Buffer {
  const size = sizes(s, values.length);
  if (rle !== null && rle.length < Math.min(size.delta, size.forOrRaw)) return rle;
  if (size.delta < size.forOrRaw) return encodeDelta(values, s);
  const w = new ByteWriter();
  if (s.integers && s.max - s.min < RANGE_LIMIT) writeFor(w, values, s.min, s.max);
  else writeRaw(w, values);
  return w.finish();
}

/**
 * `encodeInts` of small integers held as bytes (tag palette indexes): the same bytes, from one pass
 * over the bytes that needs no test of each value's kind; they are widened only to be bit-packed.
 */
export function encodeByteInts(values: Uint8Array): Buffer {
  const s = byteStats(values);
  if (values.length === 0 || s.allSame) return encodeFlat(values);
  if (s.runs * 2 < values.length) {
    const rle = encodeRle(values, s.runs);
    const size = sizes(s, values.length);
    if (rle.length < Math.min(size.delta, size.forOrRaw)) return rle;
  }
  return smallest(new Float64Array(values), s, null);
}

function byteStats(values: Uint8Array): Stats {
  const n = values.length;
  let min = n > 0 ? values[0] : Number.POSITIVE_INFINITY;
  let max = n > 0 ? values[0] : Number.NEGATIVE_INFINITY;
  let deltaMin = Number.POSITIVE_INFINITY;
  let deltaMax = Number.NEGATIVE_INFINITY;
  let runs = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const v = values[i];
    const d = v - values[i - 1];
    if (d === 0) continue;
    runs++;
    if (v < min) min = v;
    if (v > max) max = v;
    if (d < deltaMin) deltaMin = d;
    if (d > deltaMax) deltaMax = d;
  }
  // Equal neighbours are differences of 0.
  if (runs < n) {
    deltaMin = Math.min(deltaMin, 0);
    deltaMax = Math.max(deltaMax, 0);
  }
  return { allSame: runs <= 1, integers: true, min, max, runs, deltaMin, deltaMax };
}

/** The tags body of a column. */
export function encodeTagsBody(tags: Uint8Array): Buffer {
  const seen = new Uint8Array(256);
  for (let i = 0; i < tags.length; i++) seen[tags[i]] = 1;
  const palette: number[] = [];
  const indexOf = new Uint8Array(256);
  for (let t = 0; t < 256; t++) {
    if (seen[t] === 0) continue;
    indexOf[t] = palette.length;
    palette.push(t);
  }
  const indexes = new Uint8Array(tags.length);
  for (let i = 0; i < tags.length; i++) indexes[i] = indexOf[tags[i]];
  const w = new ByteWriter();
  w.u8(palette.length);
  for (const t of palette) w.u8(t);
  w.bytes(encodeByteInts(indexes));
  return w.finish();
}
