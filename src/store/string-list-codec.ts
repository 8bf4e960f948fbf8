// A list of strings (a dictionary, or JSON texts): their lengths in UTF-16 code units, then all of
// them joined into one text, stored as UTF-8, or as UTF-16LE when the text holds a lone surrogate
// (which UTF-8 cannot carry and JSON input can). Decoding is one text decode and one substring per
// entry. Layout: u32 count, u8 charset, sized integer sequence of lengths, sized text bytes.

import type { ByteReader, ByteWriter } from "./byte-io.js";
import { corrupt } from "./errors.js";
import { decodeInts, encodeInts } from "./int-codec.js";

export const Charset = Object.freeze({ Utf8: 0, Utf16: 1 } as const);

/** More strings than a segment has rows (2^28 at most) can only be a garbled count. */
const MAX_STRINGS = 2 ** 28;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function encodeStringList(strings: readonly string[], w: ByteWriter): void {
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
