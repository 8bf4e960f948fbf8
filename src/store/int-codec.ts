// Encodings of a sequence of numbers whose length the reader already knows. The writer measures
// every encoding that applies and keeps the smallest:
//   CONST  one value repeated            (empty columns, a property every row has alike)
//   FOR    frame of reference: min + bit-packed offsets        (codes, tags, small ranges)
//   DELTA  first + bit-packed differences (minus the smallest) (sorted codes, offsets)
//   RLE    runs: values and run lengths, each encoded again     (per-user values, sorted by user)
//   RAW    IEEE doubles                                         (anything else, -0 included)
// FOR, DELTA and RLE-of-integers apply only to safe integers (never -0), so decoding is exact.

import { bitWidth, packBits, packByteBits, packedBytes, unpackBits } from "./bit-pack.js";
import { type ByteReader, ByteWriter } from "./byte-io.js";
import { corrupt } from "./errors.js";

export const IntEncoding = Object.freeze({ Const: 0, For: 1, Delta: 2, Rle: 3, Raw: 4 } as const);

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

/**
 * One pass that tells the writer every encoding's size without building any. A value repeating the
 * one before it (most do, in columns sorted by user) is let through with one compare.
 */
function stats(values: Float64Array): Stats {
  let integers = true;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let deltaMin = Number.POSITIVE_INFINITY;
  let deltaMax = Number.NEGATIVE_INFINITY;
  let runs = values.length > 0 ? 1 : 0;
  /** Whether a repeat (a difference of 0) was let through; it widens the range of differences last. */
  let repeated = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // -0 and 0 are ===, not the same value (the reciprocals tell them apart).
    if (i > 0 && v === values[i - 1] && (v !== 0 || 1 / v === 1 / values[i - 1])) {
      // The same run, min, max and kind; a difference of 0, or NaN between two infinities.
      if (v - v === 0) repeated = true;
      else deltaMin = Number.NaN;
      continue;
    }
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
  // As if each repeat's 0 had been compared in its place (NaN, once there, stays).
  if (repeated && 0 < deltaMin) deltaMin = 0;
  if (repeated && 0 > deltaMax) deltaMax = 0;
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

/**
 * Runs of equal doubles (-0 and 0 differ, as Object.is tells). A run's length is written once it
 * ends (no count kept in memory per value).
 */
function encodeRle(values: Float64Array, runs: number): Buffer {
  const runValues = new Float64Array(runs);
  const runLengths = new Float64Array(runs);
  let r = 0;
  let start = 0;
  for (let i = 1; i <= values.length; i++) {
    if (i < values.length && Object.is(values[i], values[i - 1])) continue;
    runValues[r] = values[start];
    runLengths[r] = i - start;
    r++;
    start = i;
  }
  return writeRle(runValues, runLengths);
}

/**
 * encodeRle of bytes (a tag column's). Its own loop: one loop over both kinds of array reads each
 * value through a check of the array's kind, which made it twice as slow on either.
 */
function encodeByteRle(values: Uint8Array, runs: number): Buffer {
  const runValues = new Float64Array(runs);
  const runLengths = new Float64Array(runs);
  let r = 0;
  let start = 0;
  for (let i = 1; i <= values.length; i++) {
    if (i < values.length && values[i] === values[i - 1]) continue;
    runValues[r] = values[start];
    runLengths[r] = i - start;
    r++;
    start = i;
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
  return encodeWithStats(values, stats(values), allowRle);
}

/**
 * `encodeInts` of dictionary codes (integers from 0 below 2^31, as every strings block has): the
 * same bytes, from stats that need no test of a value's kind but where it changes.
 */
export function encodeCodes(codes: Float64Array): Buffer {
  return encodeWithStats(codes, codeStats(codes) ?? stats(codes), true);
}

/** Whether `v` is a dictionary code (an integer from 0 below 2^31, not -0). */
function isCode(v: number): boolean {
  return (v | 0) === v && v >= 0 && (v !== 0 || 1 / v > 0);
}

/** `stats` of codes, or null when a value is not a code. */
function codeStats(values: Float64Array): Stats | null {
  if (values.length === 0 || !isCode(values[0])) return null;
  let prev = values[0];
  let min = prev;
  let max = prev;
  let runs = 1;
  let deltaMin = Number.POSITIVE_INFINITY;
  let deltaMax = Number.NEGATIVE_INFINITY;
  let repeated = false;
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    if (v === prev) {
      if (v === 0 && 1 / v < 0) return null;
      repeated = true;
      continue;
    }
    if (!isCode(v)) return null;
    runs++;
    if (v < min) min = v;
    if (v > max) max = v;
    const d = v - prev;
    if (d < deltaMin) deltaMin = d;
    if (d > deltaMax) deltaMax = d;
    prev = v;
  }
  if (repeated && 0 < deltaMin) deltaMin = 0;
  if (repeated && 0 > deltaMax) deltaMax = 0;
  return { allSame: runs <= 1, integers: true, min, max, runs, deltaMin, deltaMax };
}

function encodeWithStats(values: Float64Array, s: Stats, allowRle: boolean): Buffer {
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
 * over the bytes that needs no test of each value's kind; they are widened to doubles only for DELTA
 * (which seldom wins on tags).
 */
export function encodeByteInts(values: Uint8Array): Buffer {
  const s = byteStats(values);
  if (values.length === 0 || s.allSame) return encodeFlat(values);
  const size = sizes(s, values.length);
  if (s.runs * 2 < values.length) {
    const rle = encodeByteRle(values, s.runs);
    if (rle.length < Math.min(size.delta, size.forOrRaw)) return rle;
  }
  if (size.delta < size.forOrRaw) return encodeDelta(new Float64Array(values), s);
  // FOR, as `smallest` writes it (bytes are integers of a small range), packed from the bytes.
  const w = new ByteWriter();
  w.u8(IntEncoding.For);
  w.f64(s.min);
  const width = bitWidth(s.max - s.min);
  w.u8(width);
  w.bytes(packByteBits(values, s.min, width));
  return w.finish();
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

/** Decodes `count` values into `out[at …]`. */
export function decodeInts(r: ByteReader, count: number, out: Float64Array, at = 0): void {
  const kind = r.u8();
  switch (kind) {
    case IntEncoding.Const:
      out.fill(r.f64(), at, at + count);
      return;
    case IntEncoding.For: {
      const base = r.f64();
      const width = checkWidth(r, r.u8());
      const pos = r.skip(packedBytes(count, width));
      unpackBits(r.buf, pos, count, width, base, out, at);
      return;
    }
    case IntEncoding.Delta:
      decodeDelta(r, count, out, at);
      return;
    case IntEncoding.Rle:
      decodeRle(r, count, out, at);
      return;
    case IntEncoding.Raw: {
      const pos = r.skip(count * 8);
      for (let i = 0; i < count; i++) out[at + i] = r.buf.readDoubleLE(pos + i * 8);
      return;
    }
    default:
      throw corrupt(r.where, `unknown integer encoding ${kind}`);
  }
}

function checkWidth(r: ByteReader, width: number): number {
  if (width > 32) throw corrupt(r.where, `bit width ${width} is over 32`);
  return width;
}

function decodeDelta(r: ByteReader, count: number, out: Float64Array, at: number): void {
  const first = r.f64();
  const minDelta = r.f64();
  const width = checkWidth(r, r.u8());
  if (count === 0) return;
  const pos = r.skip(packedBytes(count - 1, width));
  out[at] = first;
  unpackBits(r.buf, pos, count - 1, width, minDelta, out, at + 1);
  for (let i = at + 1; i < at + count; i++) out[i] += out[i - 1];
}

function decodeRle(r: ByteReader, count: number, out: Float64Array, at: number): void {
  const { runValues, runLengths } = readRuns(r, count);
  let p = at;
  for (let k = 0; k < runValues.length; k++) {
    const value = runValues[k];
    const end = p + runLengths[k];
    // Runs in columns sorted by user are short (a user's few events): a loop writes them in about
    // half the time a call of `fill` takes.
    if (end - p > 32) out.fill(value, p, end);
    else for (let i = p; i < end; i++) out[i] = value;
    p = end;
  }
}

/** The runs of an RLE sequence of `count` values (its kind byte read), checked to cover them exactly. */
function readRuns(r: ByteReader, count: number): { runValues: Float64Array; runLengths: Float64Array } {
  const runs = r.u32();
  if (runs > count) throw corrupt(r.where, `${runs} runs for ${count} values`);
  const runValues = new Float64Array(runs);
  const runLengths = new Float64Array(runs);
  const valuesPart = r.sized();
  decodeInts(valuesPart, runs, runValues);
  valuesPart.done();
  const lengthsPart = r.sized();
  decodeInts(lengthsPart, runs, runLengths);
  lengthsPart.done();
  let p = 0;
  for (let k = 0; k < runs; k++) {
    const n = runLengths[k];
    if (p + n > count) throw corrupt(r.where, "run lengths pass the end of the column");
    p += n;
  }
  if (p !== count) throw corrupt(r.where, "run lengths stop before the end of the column");
  return { runValues, runLengths };
}

/**
 * decodeInts of small integers (tag palette indexes) into `out[at …]` as bytes, each mapped through
 * `map` (the palette): a constant or a run is filled at once rather than value by value, and no
 * doubles are spread per value. A value with no entry in `map` is reported through `outside`.
 */
export function decodeMappedBytes(
  r: ByteReader,
  count: number,
  out: Uint8Array,
  at: number,
  map: Uint8Array,
  outside: (value: number) => Error,
): void {
  const mapped = (v: number): number => {
    if (!(v >= 0 && v < map.length && Number.isInteger(v))) throw outside(v);
    return map[v];
  };
  r.need(1);
  const kind = r.buf[r.pos];
  if (kind === IntEncoding.Const) {
    r.u8();
    out.fill(mapped(r.f64()), at, at + count);
  } else if (kind === IntEncoding.Rle) {
    r.u8();
    const { runValues, runLengths } = readRuns(r, count);
    let p = at;
    for (let k = 0; k < runValues.length; k++) {
      const tag = mapped(runValues[k]);
      const end = p + runLengths[k];
      // As in decodeRle (not shared: one loop over two kinds of array is slower on both).
      if (end - p > 32) out.fill(tag, p, end);
      else for (let i = p; i < end; i++) out[i] = tag;
      p = end;
    }
  } else {
    const values = new Float64Array(count);
    decodeInts(r, count, values);
    for (let i = 0; i < count; i++) out[at + i] = mapped(values[i]);
  }
}
