// Columns written row by row in segment order, each kind of value dense: what a seal builds (the
// segment writer then encodes them as they are). Strings are coded in order of first use, which is
// the order the format asks for.

import { Tag } from "../expr/columns.js";
import type { Value } from "../expr/value.js";
import { stringifyExact } from "./exact-json.js";
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

/** One property's column. Hot path (sealing): per value a type test and a store, a Map lookup for strings. */
export class VariantWriter {
  readonly tags: Uint8Array;
  private numbers: Float64Array | null = null;
  private numberCount = 0;
  private readonly strings: OrderedCoder;
  private readonly others: string[] = [];

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
      this.others.push(stringifyExact(value) ?? "null");
    }
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
