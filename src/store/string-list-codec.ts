// A list of strings (a dictionary, or JSON texts): their lengths in UTF-16 code units, then all of
// them joined into one text, stored as UTF-8, or as UTF-16LE when the text holds a lone surrogate
// (which UTF-8 cannot carry and JSON input can). Decoding is one text decode and one substring per
// entry. Layout: u32 count, u8 charset, sized integer sequence of lengths, sized text bytes.

import { isAscii } from "node:buffer";
import type { ByteReader, ByteWriter } from "./byte-io.js";
import { corrupt } from "./errors.js";
import { decodeInts, encodeInts } from "./int-codec.js";

export const Charset = Object.freeze({ Utf8: 0, Utf16: 1 } as const);

/** More strings than a segment has rows (2^28 at most) can only be a garbled count. */
const MAX_STRINGS = 2 ** 28;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A string list as a block stores it, not decoded, when its text is ASCII (its UTF-8 bytes are its
 * code units): how a merge moves strings (insert ids, JSON texts), so that none is made, hashed or
 * encoded again. Entry k is `bytes[starts[k] … starts[k + 1])`; bytes past the last entry's end
 * are no part of the list.
 */
export class AsciiStrings {
  constructor(
    readonly bytes: Buffer,
    /** `length + 1` byte offsets, ascending. */
    readonly starts: Float64Array,
  ) {}

  get length(): number {
    return this.starts.length - 1;
  }

  /** Entry k as a string. */
  text(k: number): string {
    return this.bytes.toString("latin1", this.starts[k], this.starts[k + 1]);
  }

  /** Every entry as a string. */
  strings(): string[] {
    return Array.from({ length: this.length }, (_, k) => this.text(k));
  }
}

/** Strings to write as a list: decoded, or (from a merge) as a block had them. */
export type StringList = readonly string[] | AsciiStrings;

export function encodeStringList(list: StringList, w: ByteWriter): void {
  if (list instanceof AsciiStrings) {
    encodeAsciiList(list, w);
    return;
  }
  const strings = list;
  const lengths = new Float64Array(strings.length);
  for (let i = 0; i < strings.length; i++) lengths[i] = strings[i].length;
  const text = strings.join("");
  // Joined halves of a pair form a pair, and UTF-8 then carries them: only the joined text matters.
  const charset = LONE_SURROGATE.test(text) ? Charset.Utf16 : Charset.Utf8;
  w.u32(strings.length);
  w.u8(charset);
  w.sized(encodeInts(lengths));
  w.sized(Buffer.from(text, charset === Charset.Utf8 ? "utf8" : "utf16le"));
}

/** encodeStringList of the strings `list` holds: the same bytes (ASCII text has no lone surrogate). */
function encodeAsciiList(list: AsciiStrings, w: ByteWriter): void {
  const { starts } = list;
  const lengths = new Float64Array(list.length);
  for (let k = 0; k < lengths.length; k++) lengths[k] = starts[k + 1] - starts[k];
  w.u32(lengths.length);
  w.u8(Charset.Utf8);
  w.sized(encodeInts(lengths));
  w.sized(list.bytes.subarray(0, starts[lengths.length]));
}

/**
 * decodeStringList, but a list of ASCII text comes back as it is stored (AsciiStrings): for a
 * merge, which moves strings without looking into most of them.
 */
export function readStringList(r: ByteReader): string[] | AsciiStrings {
  const start = r.pos;
  const count = r.u32();
  const charset = r.u8();
  if (charset !== Charset.Utf8 || count > MAX_STRINGS) {
    r.pos = start;
    return decodeStringList(r);
  }
  const lengthsPart = r.sized();
  const starts = new Float64Array(count + 1);
  decodeInts(lengthsPart, count, starts, 1);
  lengthsPart.done();
  const textPart = r.sized();
  const bytes = textPart.buf.subarray(textPart.pos, textPart.end);
  if (!isAscii(bytes)) {
    r.pos = start;
    return decodeStringList(r);
  }
  for (let k = 1; k <= count; k++) {
    if (!(starts[k] >= 0)) throw corrupt(r.where, `string length ${starts[k]} is not a length`);
    starts[k] += starts[k - 1];
  }
  if (starts[count] !== bytes.length) throw corrupt(r.where, "string lengths do not add up to the text");
  return new AsciiStrings(bytes, starts);
}

export function decodeStringList(r: ByteReader): string[] {
  const count = r.u32();
  const charset = r.u8();
  if (charset !== Charset.Utf8 && charset !== Charset.Utf16) {
    throw corrupt(r.where, `unknown charset ${charset}`);
  }
  if (count > MAX_STRINGS) throw corrupt(r.where, `string count ${count} is over ${MAX_STRINGS}`);
  const lengthsPart = r.sized();
  const lengths = new Float64Array(count);
  decodeInts(lengthsPart, count, lengths);
  lengthsPart.done();
  const textPart = r.sized();
  const text = textPart.buf.toString(
    charset === Charset.Utf8 ? "utf8" : "utf16le",
    textPart.pos,
    textPart.end,
  );
  const strings = new Array<string>(count);
  let p = 0;
  for (let i = 0; i < count; i++) {
    strings[i] = text.substring(p, p + lengths[i]);
    p += lengths[i];
  }
  if (p !== text.length) throw corrupt(r.where, "string lengths do not add up to the text");
  return strings;
}
