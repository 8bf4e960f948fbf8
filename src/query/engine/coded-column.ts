// Builds an expression column from a value per code and a code per row: how the engine derives
// columns that no segment stores (a user's profile property, the distinct id as sent) with work
// proportional to the dictionary, plus one typed-array pass over the rows.

import { type PropertyColumn, Tag } from "../../expr/columns.js";
import type { Value } from "../../expr/value.js";
import { stringBytes, valueBytes } from "./held-bytes.js";

function tagOf(v: Value): number {
  if (v === undefined) return Tag.Absent;
  if (v === null) return Tag.Null;
  if (v === true) return Tag.True;
  if (v === false) return Tag.False;
  if (typeof v === "number") return Tag.Number;
  if (typeof v === "string") return Tag.String;
  return Tag.Other;
}

/** Row i holds `values[rowCodes[i]]` (nothing where the code is -1); undefined when no row holds anything. */
export function codedValueColumn(rowCodes: Int32Array, values: readonly Value[]): PropertyColumn | undefined {
  const tagByCode = new Uint8Array(values.length);
  const stringByCode = new Int32Array(values.length).fill(-1);
  const dictionary: string[] = [];
  const stringCodes = new Map<string, number>();
  for (let c = 0; c < values.length; c++) {
    const v = values[c];
    tagByCode[c] = tagOf(v);
    if (typeof v !== "string") continue;
    let code = stringCodes.get(v);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(v);
      stringCodes.set(v, code);
    }
    stringByCode[c] = code;
  }
  const n = rowCodes.length;
  const tags = new Uint8Array(n);
  let numbers: Float64Array | null = null;
  let codes: Int32Array | null = null;
  const others = new Map<number, Value>();
  let any = false;
  for (let i = 0; i < n; i++) {
    const c = rowCodes[i];
    if (c < 0) continue;
    const tag = tagByCode[c];
    if (tag === Tag.Absent) continue;
    any = true;
    tags[i] = tag;
    if (tag === Tag.String) {
      codes ??= new Int32Array(n).fill(-1);
      codes[i] = stringByCode[c];
    } else if (tag === Tag.Number) {
      numbers ??= new Float64Array(n).fill(Number.NaN);
      numbers[i] = values[c] as number;
    } else if (tag === Tag.Other) others.set(i, values[c]);
  }
  return any ? { tags, numbers, codes, dictionary, others } : undefined;
}

/** Bytes a column holds, at most: what the column cache charges for it. */
export function columnBytes(column: PropertyColumn | undefined): number {
  if (column === undefined) return 16;
  let bytes = column.tags.byteLength + 64;
  if (column.numbers !== null) bytes += column.numbers.byteLength;
  if (column.codes !== null) bytes += column.codes.byteLength;
  for (const s of column.dictionary) bytes += stringBytes(s);
  // A Map entry: key, value and chain link, with the table's slack.
  for (const v of column.others.values()) bytes += 48 + valueBytes(v);
  return bytes;
}
