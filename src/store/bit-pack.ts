// Fixed-width bit packing of unsigned integers below 2^32, least significant bit first. Widths up to
// 24 take an int32 fast path on decode; wider ones go through doubles so no bit is lost.
// Hot path (column decode): one loop, no allocation.

const POW2: number[] = [];
for (let i = 0; i <= 40; i++) POW2.push(2 ** i);

/** The number of bits needed to hold every integer from 0 to `max`. */
export function bitWidth(max: number): number {
  let width = 0;
  while (width < 32 && max >= POW2[width]) width++;
  return width;
}

export function packedBytes(count: number, width: number): number {
  return Math.ceil((count * width) / 8);
}

/** Packs `values[i] - base` (each in 0 … 2^width - 1) for i in [from, to). */
export function packBits(
  values: Float64Array,
  from: number,
  to: number,
  base: number,
  width: number,
): Uint8Array {
  const out = new Uint8Array(packedBytes(to - from, width));
  if (width === 0) return out;
  if (width <= 24) packNarrow(values, from, to, base, width, out);
  else packWide(values, from, to, base, width, out);
  return out;
}

function packNarrow(
  values: Float64Array,
  from: number,
  to: number,
  base: number,
  width: number,
  out: Uint8Array,
): void {
  let acc = 0;
  let bits = 0;
  let p = 0;
  for (let i = from; i < to; i++) {
    acc |= (values[i] - base) << bits;
    bits += width;
    while (bits >= 8) {
      out[p++] = acc & 255;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out[p] = acc;
}

/** `packBits` of bytes (`values[i] - base`, `width` at most 8), without widening them to doubles first. */
export function packByteBits(values: Uint8Array, base: number, width: number): Uint8Array {
  const out = new Uint8Array(packedBytes(values.length, width));
  if (width === 0) return out;
  let acc = 0;
  let bits = 0;
  let p = 0;
  for (let i = 0; i < values.length; i++) {
    acc |= (values[i] - base) << bits;
    bits += width;
    // Fewer than 8 bits were left: at most one byte is full.
    if (bits >= 8) {
      out[p++] = acc & 255;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out[p] = acc;
  return out;
}

function packWide(
  values: Float64Array,
  from: number,
  to: number,
  base: number,
  width: number,
  out: Uint8Array,
): void {
  let acc = 0;
  let bits = 0;
  let p = 0;
  for (let i = from; i < to; i++) {
    acc += (values[i] - base) * POW2[bits];
    bits += width;
    while (bits >= 8) {
      const low = acc % 256;
      out[p++] = low;
      acc = (acc - low) / 256;
      bits -= 8;
    }
  }
  if (bits > 0) out[p] = acc;
}

/** Unpacks `count` values from `bytes` at `pos` into `out[at …]`, adding `base` to each. */
export function unpackBits(
  bytes: Uint8Array,
  pos: number,
  count: number,
  width: number,
  base: number,
  out: Float64Array,
  at: number,
): void {
  if (width === 0) {
    out.fill(base, at, at + count);
  } else if (width <= 24) {
    unpackNarrow(bytes, pos, count, width, base, out, at);
  } else {
    unpackWide(bytes, pos, count, width, base, out, at);
  }
}

function unpackNarrow(
  bytes: Uint8Array,
  pos: number,
  count: number,
  width: number,
  base: number,
  out: Float64Array,
  at: number,
): void {
  const mask = (1 << width) - 1;
  let acc = 0;
  let bits = 0;
  let p = pos;
  const end = at + count;
  for (let i = at; i < end; i++) {
    while (bits < width) {
      acc |= bytes[p++] << bits;
      bits += 8;
    }
    out[i] = base + (acc & mask);
    acc >>>= width;
    bits -= width;
  }
}

function unpackWide(
  bytes: Uint8Array,
  pos: number,
  count: number,
  width: number,
  base: number,
  out: Float64Array,
  at: number,
): void {
  const scale = POW2[width];
  let acc = 0;
  let bits = 0;
  let p = pos;
  const end = at + count;
  for (let i = at; i < end; i++) {
    while (bits < width) {
      acc += bytes[p++] * POW2[bits];
      bits += 8;
    }
    const v = acc % scale;
    out[i] = base + v;
    acc = (acc - v) / scale;
    bits -= width;
  }
}
