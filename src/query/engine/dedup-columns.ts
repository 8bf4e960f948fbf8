// What deduplication reads of a batch (src/query/README.md, Duplicates): events with the same
// event, distinct id as sent, second and client-sent $insert_id are one, and the copy with the
// largest ingestion offset is the one every query sees. The others are the batch's dead rows
// (dead-rows.ts), which every scan leaves out. The id as sent, not the stored one: an SDK that sends
// a batch again after an $identify sends the same ids, which ingestion now files under the person.

import { SegmentBatch } from "../../store/segment-batch.js";
import type { CodedStrings, EventBatch } from "../../store/stored-event.js";
import { sentDistinctIds } from "../../store/system-columns.js";
import type { ScanBatch } from "./scan-batch.js";

export interface DedupColumns {
  readonly events: CodedStrings;
  /** The stored (resolved) ids, which the batch's rows are sorted by. */
  readonly distinctIds: CodedStrings;
  /**
   * The ids as sent, the key (system-columns.ts sentDistinctIds): the very object `distinctIds`
   * is when every row kept the id it was sent with. Equal ids may have two codes here.
   */
  readonly sentIds: CodedStrings;
  /** Code -1 where the server generated the id: such rows are never duplicates. */
  readonly insertIds: CodedStrings;
  readonly time: Float64Array;
  readonly offsets: Float64Array;
}

/**
 * A batch's columns as deduplication reads them: each on first use, and none put in the cache.
 * The marks are what is cached; the insert ids — a segment's largest column, which nothing else
 * reads — are decoded into a batch object of their own and let go with this one. Events and time
 * come through the cache, as every scan reads them; distinct ids and offsets from the cache when a
 * query has put them there (a query counting users loads its distinct ids first), else from that
 * throwaway batch too.
 */
class BatchDedupColumns implements DedupColumns {
  private unkept?: EventBatch;
  private distinctIdsCache?: CodedStrings;
  private insertIdsCache?: CodedStrings;
  private sentIdsCache?: CodedStrings;
  private offsetsCache?: Float64Array;

  constructor(private readonly batch: ScanBatch) {}

  get events(): CodedStrings {
    return this.batch.events;
  }

  get time(): Float64Array {
    return this.batch.time;
  }

  get distinctIds(): CodedStrings {
    this.distinctIdsCache ??= this.batch.peek<CodedStrings>("distinctIds") ?? this.throwaway().distinctIds;
    return this.distinctIdsCache;
  }

  get sentIds(): CodedStrings {
    this.sentIdsCache ??= sentDistinctIds(this.distinctIds, this.throwaway().originalDistinctIds);
    return this.sentIdsCache;
  }

  get insertIds(): CodedStrings {
    this.insertIdsCache ??= this.throwaway().insertIds;
    return this.insertIdsCache;
  }

  get offsets(): Float64Array {
    this.offsetsCache ??= this.batch.peek<Float64Array>("offsets") ?? this.throwaway().offsets;
    return this.offsetsCache;
  }

  /** A second view of a segment, whose decoded columns die with this object; a buffer is in memory already. */
  private throwaway(): EventBatch {
    const stored = this.batch.stored;
    this.unkept ??= stored instanceof SegmentBatch ? new SegmentBatch(stored.file) : stored;
    return this.unkept;
  }
}

export function dedupColumns(batch: ScanBatch): DedupColumns {
  return new BatchDedupColumns(batch);
}

/**
 * Whether row i of a and row j of b have the same key. Codes compare within one batch, strings
 * across; sent ids compare as strings within a batch too when some rows were sent another id.
 */
export function sameKey(a: DedupColumns, i: number, b: DedupColumns, j: number): boolean {
  if (Math.floor(a.time[i]) !== Math.floor(b.time[j])) return false;
  if (a === b) {
    return (
      a.events.codes[i] === b.events.codes[j] &&
      a.insertIds.codes[i] === b.insertIds.codes[j] &&
      (a.sentIds === a.distinctIds
        ? a.sentIds.codes[i] === a.sentIds.codes[j]
        : sameString(a.sentIds, i, b.sentIds, j))
    );
  }
  return (
    sameString(a.insertIds, i, b.insertIds, j) &&
    sameString(a.events, i, b.events, j) &&
    sameString(a.sentIds, i, b.sentIds, j)
  );
}

function sameString(a: CodedStrings, i: number, b: CodedStrings, j: number): boolean {
  return a.dictionary[a.codes[i]] === b.dictionary[b.codes[j]];
}
