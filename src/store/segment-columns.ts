// What a segment file is encoded from: its columns with the rows already in segment order, values
// of each kind dense. Two things produce them: a seal, which parses a buffer's events in segment
// order (seal-columns.ts), and a compaction, which gathers them from the segments it merges
// (merged-columns.ts); segment-writer.ts encodes either.

import type { StringList } from "./string-list-codec.js";

/** A string per row (or per value) as codes into a dictionary listed in order of first use. */
export interface OrderedStrings {
  readonly codes: Float64Array;
  readonly dictionary: readonly string[];
}

/**
 * A column as the writer stores it: tags per row, values of each kind dense and in row order.
 * Lists of strings are strings, or (a merge's) ASCII text as a block had it.
 */
export interface VariantData {
  readonly tags: Uint8Array;
  readonly numbers: Float64Array;
  readonly dictionary: StringList;
  readonly codes: Float64Array;
  /** Exact JSON texts of the rows tagged Other. */
  readonly others: StringList;
}

export interface SegmentColumns {
  readonly rows: number;
  readonly time: Float64Array;
  readonly offset: Float64Array;
  readonly event: OrderedStrings;
  readonly distinctId: OrderedStrings;
  /** Like `property`'s columns, valid until the next variant column is asked for. */
  readonly insertId: VariantData;
  readonly originalDistinctId: VariantData;
  /** Every property name some row has, in no particular order. */
  propertyNames(): readonly string[];
  /** Each row's property names in sent order, as lists of indexes into `indexOf` ("3,0,7"). */
  keyOrder(indexOf: ReadonlyMap<string, number>): OrderedStrings;
  /**
   * One property's column, made when asked, so that one property's values are in memory at a time.
   * Its arrays may be reused for the next variant column asked for (a merge's are): encode it first.
   */
  property(name: string): VariantData;
}
