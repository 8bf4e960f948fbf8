// Columns written row by row in segment order, each kind of value dense: what a seal builds (the
// segment writer then encodes them as they are). Strings are coded in order of first use, which is
// the order the format asks for.

import { Tag } from "../expr/columns.js";
import type { Value } from "../expr/value.js";
import { sameJson, stringifyExact } from "./exact-json.js";
import type { OrderedStrings, VariantData } from "./segment-columns.js";

/**
 * Strings coded in order of first use; codes are appended one per value. Rows come sorted by user,
 * so a user's properties repeat from row to row: comparing with the last string spares most lookups
 * of them (a Map lookup hashes a freshly parsed string; a compare stops at the first difference).
 */
export class OrderedCoder implements OrderedStrings {
  readonly dictionary: string[] = [];
  private readonly codeOf = new Map<string, number>();
  /** Made on first use, at most one code a row: typed, so the collector never copies it. */
  private list: Float64Array | null = null;
  private count = 0;
  private last: string | null = null;
  private lastCode = -1;

  constructor(private readonly rows: number) {}

  add(text: string): void {
    this.list ??= new Float64Array(this.rows);
    if (text === this.last) {
      this.list[this.count++] = this.lastCode;
      return;
    }
    let code = this.codeOf.get(text);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(text);
      this.codeOf.set(text, code);
    }
    this.list[this.count++] = code;
    this.last = text;
    this.lastCode = code;
  }

  get codes(): Float64Array {
    return this.list === null ? new Float64Array(0) : this.list.subarray(0, this.count);
  }
}

/** A 32-bit FNV-1a hash of a string's code units. */
export function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h;
}

/** hashOf an ASCII string, from its bytes `bytes[from … to)`. */
export function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let k = from; k < to; k++) h = Math.imul(h ^ bytes[k], 0x01000193);
  return h;
}

/**
 * Probes one add may take before the coder gives up its table for a Map: strings made to share a
 * hash (the hash is not secret) must not make a seal quadratic. A table at most half full that no
 * one attacks needs a few.
 */
const MAX_PROBES = 128;

/**
 * Strings that are nearly all distinct ($insert_id: one per event), coded like OrderedCoder (in
 * order of first use, no string twice), through an open-addressing table of their hashes sized
 * for every row at once: a Map of them would grow and rehash as it fills, and each lookup of a new
 * string there costs more than hashing it here. A string is compared only when its hash matches.
 * Hot path (sealing): per row one hash over the string's code units, one probe or a few.
 */
export class DistinctCoder implements OrderedStrings {
  readonly dictionary: string[] = [];
  /** Code + 1 per slot; 0 for an empty one. At most half full. */
  private readonly table: Int32Array;
  private readonly mask: number;
  /** The hash of each dictionary entry, so a probe compares strings only when hashes match. */
  private readonly hashes: Int32Array;
  private readonly list: Float64Array;
  private count = 0;
  /** Codes by string, once a probe ran too long; the table is not used after that. */
  private codeOf: Map<string, number> | null = null;

  /** `rows`: at most this many strings are added. */
  constructor(rows: number) {
    let size = 2;
    while (size < 2 * rows) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.hashes = new Int32Array(rows);
    this.list = new Float64Array(rows);
  }

  add(text: string): void {
    if (this.codeOf !== null) {
      this.addToMap(text, this.codeOf);
      return;
    }
    const hash = hashOf(text);
    const { table, mask, hashes, dictionary } = this;
    let slot = hash & mask;
    for (let probes = 0, entry = table[slot]; entry !== 0; entry = table[slot]) {
      const code = entry - 1;
      if (hashes[code] === hash && dictionary[code] === text) {
        this.list[this.count++] = code;
        return;
      }
      if (++probes > MAX_PROBES) {
        this.codeOf = new Map(dictionary.map((d, c) => [d, c]));
        this.addToMap(text, this.codeOf);
        return;
      }
      slot = (slot + 1) & mask;
    }
    const code = dictionary.length;
    dictionary.push(text);
    hashes[code] = hash;
    table[slot] = code + 1;
    this.list[this.count++] = code;
  }

  private addToMap(text: string, codeOf: Map<string, number>): void {
    let code = codeOf.get(text);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(text);
      codeOf.set(text, code);
    }
    this.list[this.count++] = code;
  }

  get codes(): Float64Array {
    return this.list.subarray(0, this.count);
  }
}

/** An optional string per row, nearly all distinct (the insert id column), as a variant of String and Absent rows. */
export class DistinctTextWriter {
  private readonly tags: Uint8Array;
  private readonly strings: DistinctCoder;

  constructor(rows: number) {
    this.tags = new Uint8Array(rows);
    this.strings = new DistinctCoder(rows);
  }

  setText(j: number, text: string | null): void {
    if (text === null) return;
    this.tags[j] = Tag.String;
    this.strings.add(text);
  }

  finish(): VariantData {
    const { tags, strings } = this;
    return { tags, numbers: NO_NUMBERS, dictionary: strings.dictionary, codes: strings.codes, others: [] };
  }
}

const NO_NUMBERS = new Float64Array(0);

/** One property's column. Hot path (sealing): per value a type test and a store, a Map lookup for strings. */
export class VariantWriter {
  readonly tags: Uint8Array;
  private numbers: Float64Array | null = null;
  private numberCount = 0;
  private readonly strings: OrderedCoder;
  private readonly others: string[] = [];
  /** The last list or object written, and its text: a user's rows repeat such values. */
  private lastOther: Value = undefined;
  private lastOtherText = "";

  constructor(private readonly rows: number) {
    this.tags = new Uint8Array(rows);
    this.strings = new OrderedCoder(rows);
  }

  /** Row j's value; rows not set are Absent. */
  set(j: number, value: Value): void {
    if (typeof value === "string") {
      this.tags[j] = Tag.String;
      this.strings.add(value);
    } else if (typeof value === "number") {
      this.tags[j] = Tag.Number;
      this.numbers ??= new Float64Array(this.rows);
      this.numbers[this.numberCount++] = value;
    } else if (value === null) this.tags[j] = Tag.Null;
    else if (value === true) this.tags[j] = Tag.True;
    else if (value === false) this.tags[j] = Tag.False;
    else if (value !== undefined) {
      this.tags[j] = Tag.Other;
      this.others.push(this.otherText(value));
    }
  }

  /**
   * The exact text of a list or object. One equal to the last is given the last one's text: a walk
   * that compares is cheaper than one that writes, and the text kept is one string, not two.
   */
  private otherText(value: Value): string {
    if (this.lastOther !== undefined && sameJson(value, this.lastOther)) return this.lastOtherText;
    const text = stringifyExact(value) ?? "null";
    this.lastOther = value;
    this.lastOtherText = text;
    return text;
  }

  /** Row j's optional string, as the insert id and original id columns keep them. */
  setText(j: number, text: string | null): void {
    if (text === null) return;
    this.tags[j] = Tag.String;
    this.strings.add(text);
  }

  finish(): VariantData {
    const { tags, strings, others } = this;
    const numbers = this.numbers === null ? new Float64Array(0) : this.numbers.subarray(0, this.numberCount);
    return { tags, numbers, dictionary: strings.dictionary, codes: strings.codes, others };
  }
}
