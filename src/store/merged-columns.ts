// A compaction's segment columns: the rows of the segments it merges, put in segment order and
// gathered column by column (so one property's values are in memory at a time).

import { codedVariant, gatherCoded, gatherNumbers, mergeVariant } from "./column-gather.js";
import { type RowOrder, sortRows } from "./row-order.js";
import type { SegmentBatch } from "./segment-batch.js";
import type { OrderedStrings, SegmentColumns, VariantData } from "./segment-columns.js";
import type { CodedStrings } from "./stored-event.js";

/** What is merged: sealed segments. */
export type MergeSource = Pick<
  SegmentBatch,
  | "length"
  | "time"
  | "offsets"
  | "events"
  | "distinctIds"
  | "insertIds"
  | "originalDistinctIds"
  | "keyOrders"
  | "propertyNames"
  | "readStored"
>;

export class MergedColumns implements SegmentColumns {
  readonly rows: number;
  readonly time: Float64Array;
  readonly offset: Float64Array;
  private readonly order: RowOrder;

  constructor(private readonly sources: readonly MergeSource[]) {
    this.order = sortRows(sources);
    this.rows = this.order.length;
    this.time = gatherNumbers(
      this.order,
      sources.map((s) => s.time),
    );
    this.offset = gatherNumbers(
      this.order,
      sources.map((s) => s.offsets),
    );
  }

  private coded(pick: (s: MergeSource) => CodedStrings): OrderedStrings {
    return gatherCoded(this.order, this.sources.map(pick));
  }

  get event(): OrderedStrings {
    return this.coded((s) => s.events);
  }

  get distinctId(): OrderedStrings {
    return this.coded((s) => s.distinctIds);
  }

  get insertId(): VariantData {
    return codedVariant(this.coded((s) => s.insertIds));
  }

  get originalDistinctId(): VariantData {
    return codedVariant(this.coded((s) => s.originalDistinctIds));
  }

  propertyNames(): readonly string[] {
    const names = new Set<string>();
    for (const s of this.sources) for (const n of s.propertyNames()) names.add(n);
    return Array.from(names);
  }

  keyOrder(indexOf: ReadonlyMap<string, number>): OrderedStrings {
    return this.coded((s) => ({
      codes: s.keyOrders.codes,
      dictionary: s.keyOrders.orders.map((names) => names.map((n) => indexOf.get(n)).join(",")),
    }));
  }

  property(name: string): VariantData {
    return mergeVariant(
      this.order,
      this.sources.map((s) => s.readStored(name)),
    );
  }
}
