// The columnar side of the expression engine: how a batch of events held as typed arrays looks to a
// compiled expression. The store implements these interfaces over its segment files; a compiled
// expression binds its property reads to columns once per batch (segment), then loops over rows.
//
// A property may hold a different JSON kind in every row, so a column is a tagged union spread over
// parallel arrays: `tags[i]` says which kind row i holds and where its value lives.

import type { Value } from "./value.js";

/** The kind of value in one row of a column. Plain numbers so they can live in a Uint8Array. */
export const Tag = Object.freeze({
  /** The property is not on this event. */
  Absent: 0,
  Null: 1,
  False: 2,
  True: 3,
  /** Value in `numbers[i]`. */
  Number: 4,
  /** Value is `dictionary[codes[i]]`. */
  String: 5,
  /** A list or object (or a datetime): value in `others.get(i)`. */
  Other: 6,
} as const);
export type Tag = (typeof Tag)[keyof typeof Tag];

export interface PropertyColumn {
  /** One tag per row. */
  readonly tags: Uint8Array;
  /**
   * Numbers of the rows tagged Number, NaN in every other row (so a numeric comparison on a row that
   * holds no number is false without looking at the tag). Null when no row holds a number.
   */
  readonly numbers: Float64Array | null;
  /**
   * Dictionary codes of the rows tagged String, -1 in every other row. Null when no row holds a
   * string.
   */
  readonly codes: Int32Array | null;
  /** Code → string. Codes are dense: 0 … dictionary.length - 1. No string appears twice. */
  readonly dictionary: readonly string[];
  /** Row → value for rows tagged Other. */
  readonly others: ReadonlyMap<number, Value>;
}

/** A batch of rows held as columns: one sealed segment, or a slice of the write buffer. */
export interface ColumnBatch {
  readonly length: number;
  /**
   * The event's `time` in seconds (fraction allowed), one per row. `properties["time"]` reads it as a
   * datetime.
   */
  readonly time: Float64Array;
  /** Column of event property `name`; undefined when no row of the batch has it. */
  property(name: string): PropertyColumn | undefined;
  /** Column of a property of each row's user profile; undefined when no profile has it. */
  userProperty(name: string): PropertyColumn | undefined;
}

/** Reads row `i` of a column back as a language value (the slow, general path). */
export function columnValue(column: PropertyColumn, i: number): Value {
  switch (column.tags[i]) {
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Number:
      return column.numbers![i];
    case Tag.String:
      return column.dictionary[column.codes![i]];
    case Tag.Other:
      return column.others.get(i);
    default:
      return undefined;
  }
}
