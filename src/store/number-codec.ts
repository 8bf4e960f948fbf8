// Doubles as they came in JSON. Most are decimals with few digits (prices, times in milliseconds,
// screen sizes), so the writer looks for the smallest power of ten that turns every value into a
// safe integer that divides back to exactly the same double, and stores those integers (which
// bit-pack well); otherwise it keeps raw doubles. Layout: u8 scale, then an integer sequence.

import type { ByteReader, ByteWriter } from "./byte-io.js";
import { corrupt } from "./errors.js";
import { decodeInts, encodeInts } from "./int-codec.js";

const MAX_SCALE = 15;
const POW10: number[] = [];
for (let k = 0; k <= MAX_SCALE; k++) POW10.push(10 ** k);

/** Whether `v` is exactly `m / 10^k` for a safe integer m (never -0, which integers cannot hold). */
function fitsScale(v: number, k: number): boolean {
  if (Object.is(v, -0)) return false;
  const m = Math.round(v * POW10[k]);
  return Number.isSafeInteger(m) && m / POW10[k] === v;
}

/** The smallest scale at which every value is an exact scaled integer, or -1. */
export function decimalScale(values: Float64Array): number {
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    while (k <= MAX_SCALE && !fitsScale(values[i], k)) k++;
    if (k > MAX_SCALE) return -1;
  }
  // A value that fit a smaller scale almost always fits a larger one; make sure of it.
  for (let i = 0; i < values.length; i++) if (!fitsScale(values[i], k)) return -1;
  return k;
}

export function encodeNumbers(values: Float64Array, w: ByteWriter): void {
  const k = decimalScale(values);
  if (k <= 0) {
    w.u8(0);
    w.bytes(encodeInts(values));
    return;
  }
  const scaled = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) scaled[i] = Math.round(values[i] * POW10[k]);
  w.u8(k);
  w.bytes(encodeInts(scaled));
}

export function decodeNumbers(r: ByteReader, count: number, out: Float64Array, at = 0): void {
  const k = r.u8();
  if (k > MAX_SCALE) throw corrupt(r.where, `decimal scale ${k} is over ${MAX_SCALE}`);
  decodeInts(r, count, out, at);
  if (k === 0) return;
  const divisor = POW10[k];
  for (let i = at; i < at + count; i++) out[i] = out[i] / divisor;
}
