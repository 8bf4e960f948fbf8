// What the store holds, and how every batch of it (a sealed segment or a snapshot of the write
// buffer) looks to the stages that read it: the query engine's columns plus the system columns an
// export, a dedup or a per-user scan needs.

import type { ColumnBatch, PropertyColumn } from "../expr/columns.js";
import type { JsonObject } from "../expr/value.js";

/** One event as the processor hands it to the store. */
export interface StoredEvent {
  readonly event: string;
  /** Already resolved through the alias map. */
  readonly distinctId: string;
  /** The id the event was sent with, when it differs from `distinctId`. */
  readonly originalDistinctId?: string;
  /** Seconds since the epoch; fractions (milliseconds) are kept. */
  readonly time: number;
  /** Null when the server generated it: such an event is never deduplicated. */
  readonly insertId: string | null;
  /** Every other property, exactly as sent. */
  readonly properties: JsonObject;
  /** The queue offset of the record: grows in ingestion order. */
  readonly offset: number;
}

/**
 * One event as the processor hands it to the store while it still holds the text the event came
 * in as, so the store need not serialise it again: the resolved ids and the time the store files
 * it by, and the event as Mixpanel JSON.
 */
export interface EventText {
  readonly offset: number;
  /** Already resolved through the alias map. */
  readonly distinctId: string;
  /** The id the event was sent with, when it differs from `distinctId`; null otherwise. */
  readonly originalDistinctId: string | null;
  /** Seconds since the epoch (fractions kept). */
  readonly time: number;
  /** True when the server generated `properties.$insert_id`: the event then has no insert id. */
  readonly insertIdGenerated: boolean;
  /**
   * UTF-8 JSON `{"event": …, "properties": {…}}`, exactly as parsed and checked by the caller:
   * `event` a string, `properties` an object whose `$insert_id` is a string unless generated. The
   * store keeps every property as it is but `time`, `$insert_id` and `distinct_id`, which are
   * system columns (filled from the fields above and the text's `$insert_id`).
   */
  readonly text: Uint8Array;
}

/** Property names that are system columns, never stored as properties. */
export const SYSTEM_KEYS: ReadonlySet<string> = new Set(["time", "distinct_id", "$insert_id"]);

/** A string per row as dictionary codes: `dictionary[codes[i]]`, code -1 where the row has none. */
export interface CodedStrings {
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

/**
 * The order in which each row's properties were sent: `orders[codes[i]]` lists row i's property
 * names. Rows of one kind share one order, so this costs a few bits a row and lets export give
 * properties back in their original order.
 */
export interface KeyOrders {
  readonly codes: Int32Array;
  readonly orders: readonly (readonly string[])[];
}

/**
 * A batch of stored events. Rows are sorted by (distinctId, time, offset), so one user's events are
 * contiguous and in time order. `property("distinct_id")`, `property("$insert_id")` and
 * `property("$original_distinct_id")` read the system columns; `time` is `ColumnBatch.time`.
 */
export interface EventBatch extends ColumnBatch {
  readonly events: CodedStrings;
  readonly distinctIds: CodedStrings;
  /** Code -1 where the event kept its id. */
  readonly originalDistinctIds: CodedStrings;
  /** Code -1 where the server generated the insert id. */
  readonly insertIds: CodedStrings;
  readonly offsets: Float64Array;
  readonly keyOrders: KeyOrders;
  /** Names of the stored properties some row of the batch has. */
  propertyNames(): readonly string[];
  /**
   * Like `property`, for stored properties only (never the system columns), and without caching
   * the column where that saves memory.
   */
  readProperty(name: string): PropertyColumn | undefined;
  /** Row i as the full stored event (for export). */
  row(i: number): StoredEvent;
}

/** The property names under which the system columns are visible to expressions. */
export const SystemProperty = Object.freeze({
  DistinctId: "distinct_id",
  InsertId: "$insert_id",
  OriginalDistinctId: "$original_distinct_id",
} as const);
