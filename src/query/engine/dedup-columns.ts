// What deduplication reads of a batch (src/query/README.md, Duplicates): events with the same
// event, stored distinct id, second and client-sent $insert_id are one, and the copy with the
// largest ingestion offset is the one every query sees. The others are marked in a per-batch
// "dead" bitmap (1 = left out) that every scan respects; null means no row of the batch is dead.

import type { CodedStrings } from "../../store/stored-event.js";

export interface DedupColumns {
  readonly events: CodedStrings;
  readonly distinctIds: CodedStrings;
  /** Code -1 where the server generated the id: such rows are never duplicates. */
  readonly insertIds: CodedStrings;
  readonly time: Float64Array;
  readonly offsets: Float64Array;
}

export function dedupColumns(batch: DedupColumns): DedupColumns {
  const { events, distinctIds, insertIds, time, offsets } = batch;
  return { events, distinctIds, insertIds, time, offsets };
}

/** Whether row i of a and row j of b have the same key; codes compare within one batch, strings across. */
export function sameKey(a: DedupColumns, i: number, b: DedupColumns, j: number): boolean {
  if (Math.floor(a.time[i]) !== Math.floor(b.time[j])) return false;
  if (a === b) {
    return (
      a.events.codes[i] === b.events.codes[j] &&
      a.distinctIds.codes[i] === b.distinctIds.codes[j] &&
      a.insertIds.codes[i] === b.insertIds.codes[j]
    );
  }
  return (
    a.insertIds.dictionary[a.insertIds.codes[i]] === b.insertIds.dictionary[b.insertIds.codes[j]] &&
    a.events.dictionary[a.events.codes[i]] === b.events.dictionary[b.events.codes[j]] &&
    a.distinctIds.dictionary[a.distinctIds.codes[i]] === b.distinctIds.dictionary[b.distinctIds.codes[j]]
  );
}
