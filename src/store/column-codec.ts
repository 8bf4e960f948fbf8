// The bodies of the blocks that make up a column. Values of each kind are stored densely, in row
// order, for the rows of that kind only; the tags say which rows those are.
//   tags:    u8 palette size, the palette (the distinct tags, ascending), integer sequence of
//            palette indexes, one per row (one bit a row when a property is there or not)
//   strings: string list (the dictionary, in order of first use), sized integer sequence of codes
//   numbers: see number-codec.ts
//   others:  string list of exact JSON texts (lists and objects)

import { ByteReader, ByteWriter } from "./byte-io.js";
import { corrupt } from "./errors.js";
import { decodeInts, decodeMappedBytes, encodeByteInts, encodeCodes } from "./int-codec.js";
import { decodeNumbers, encodeNumbers } from "./number-codec.js";
import {
  type AsciiStrings,
  decodeStringList,
  encodeStringList,
  readStringList,
  type StringList,
} from "./string-list-codec.js";

const TAG_LIMIT = 7;
const ONE_ZERO = new Uint8Array(1);

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
  const w = new ByteWriter();
  w.u8(palette.length);
  for (const t of palette) w.u8(t);
  // One tag (a property every row has alike): every index is 0, which is what one 0 encodes to.
  if (palette.length === 1) {
    w.bytes(encodeByteInts(ONE_ZERO));
    return w.finish();
  }
  const indexes = new Uint8Array(tags.length);
  for (let i = 0; i < tags.length; i++) indexes[i] = indexOf[tags[i]];
  w.bytes(encodeByteInts(indexes));
  return w.finish();
}

export function decodeTagsBody(body: Buffer, rows: number, where: string): Uint8Array {
  const tags = new Uint8Array(rows);
  decodeTagsInto(body, rows, where, tags, 0);
  return tags;
}

/** decodeTagsBody into `out[at …]`; returns the palette (every tag written is one of it). */
export function decodeTagsInto(
  body: Buffer,
  rows: number,
  where: string,
  out: Uint8Array,
  at: number,
): Uint8Array {
  const r = new ByteReader(body, where);
  const size = r.u8();
  const palette = new Uint8Array(size);
  for (let k = 0; k < size; k++) {
    palette[k] = r.u8();
    if (palette[k] >= TAG_LIMIT) throw corrupt(where, `unknown tag ${palette[k]}`);
  }
  decodeMappedBytes(r, rows, out, at, palette, (k) =>
    corrupt(where, `tag index ${k} is outside the palette`),
  );
  r.done();
  return palette;
}

export function encodeStringsBody(dictionary: StringList, codes: Float64Array): Buffer {
  const w = new ByteWriter();
  encodeStringList(dictionary, w);
  w.sized(encodeCodes(codes));
  return w.finish();
}

export interface DecodedStrings {
  readonly dictionary: string[];
  /** One code per value, dense. */
  readonly codes: Float64Array;
}

export function decodeStringsBody(body: Buffer, count: number, where: string): DecodedStrings {
  const r = new ByteReader(body, where);
  const dictionary = decodeStringList(r);
  const codesPart = r.sized();
  const codes = new Float64Array(count);
  decodeInts(codesPart, count, codes);
  codesPart.done();
  r.done();
  for (let i = 0; i < count; i++) {
    if (!(codes[i] >= 0 && codes[i] < dictionary.length)) {
      throw corrupt(where, `code ${codes[i]} is outside a dictionary of ${dictionary.length}`);
    }
  }
  return { dictionary, codes };
}

export function encodeNumbersBody(values: Float64Array): Buffer {
  const w = new ByteWriter();
  encodeNumbers(values, w);
  return w.finish();
}

export function decodeNumbersBody(body: Buffer, count: number, where: string): Float64Array {
  const r = new ByteReader(body, where);
  const values = new Float64Array(count);
  decodeNumbers(r, count, values);
  r.done();
  return values;
}

export function encodeStringListBody(strings: StringList): Buffer {
  const w = new ByteWriter();
  encodeStringList(strings, w);
  return w.finish();
}

export function decodeStringListBody(body: Buffer, count: number, where: string): string[] {
  const r = new ByteReader(body, where);
  const strings = decodeStringList(r);
  r.done();
  if (strings.length !== count) throw corrupt(where, `${strings.length} texts where ${count} were listed`);
  return strings;
}

/** decodeStringListBody, but ASCII text is kept as it is stored (see readStringList). */
export function readStringListBody(body: Buffer, count: number, where: string): string[] | AsciiStrings {
  const r = new ByteReader(body, where);
  const strings = readStringList(r);
  r.done();
  if (strings.length !== count) throw corrupt(where, `${strings.length} texts where ${count} were listed`);
  return strings;
}

/**
 * decodeStringsBody into joined arrays (a merge's, see joined-column.ts): the `count` codes go to
 * `codes[at …]`, each plus `base` (so they point into dictionaries joined end to end); returns the
 * dictionary, ASCII text as it is stored (see readStringList).
 */
export function decodeStringsInto(
  body: Buffer,
  count: number,
  where: string,
  codes: Float64Array,
  at: number,
  base: number,
): string[] | AsciiStrings {
  const r = new ByteReader(body, where);
  const dictionary = readStringList(r);
  const codesPart = r.sized();
  decodeInts(codesPart, count, codes, at);
  codesPart.done();
  r.done();
  for (let i = at; i < at + count; i++) {
    const code = codes[i];
    if (!(code >= 0 && code < dictionary.length)) {
      throw corrupt(where, `code ${code} is outside a dictionary of ${dictionary.length}`);
    }
    codes[i] = code + base;
  }
  return dictionary;
}

/** decodeNumbersBody into `out[at …]`. */
export function decodeNumbersInto(
  body: Buffer,
  count: number,
  where: string,
  out: Float64Array,
  at: number,
): void {
  const r = new ByteReader(body, where);
  decodeNumbers(r, count, out, at);
  r.done();
}
