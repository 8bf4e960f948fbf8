// Deduplication per the spec: events that share (event, distinct_id, second, $insert_id) are one
// event, and the latest ingested (highest offset) wins. Duplicates share a second, so they share a
// day in any time zone: deduplicating the batches of one partition is complete. Rows without an
// insert id of their own are never duplicates. Export shows raw events; every other query skips the
// rows marked here.

import type { EventBatch } from "./stored-event.js";

interface RowRef {
  readonly batch: number;
  readonly row: number;
}

/** One array per batch: 1 where the row is superseded by a later-ingested duplicate. */
export function supersededRows(batches: readonly EventBatch[]): Uint8Array[] {
  const marks = batches.map((b) => new Uint8Array(b.length));
  // Most insert ids occur once: group by insert id first, compare the full key only within a group.
  const first = new Map<string, RowRef>();
  const groups = new Map<string, RowRef[]>();
  for (let b = 0; b < batches.length; b++) {
    const { codes, dictionary } = batches[b].insertIds;
    for (let row = 0; row < codes.length; row++) {
      if (codes[row] < 0) continue;
      const id = dictionary[codes[row]];
      const ref = { batch: b, row };
      const seen = first.get(id);
      const group = groups.get(id);
      if (seen === undefined) first.set(id, ref);
      else if (group === undefined) groups.set(id, [seen, ref]);
      else group.push(ref);
    }
  }
  for (const group of groups.values()) markGroup(batches, group, marks);
  return marks;
}

function markGroup(batches: readonly EventBatch[], group: readonly RowRef[], marks: Uint8Array[]): void {
  const winners = new Map<string, RowRef>();
  for (const ref of group) {
    const batch = batches[ref.batch];
    const key = JSON.stringify([
      batch.events.dictionary[batch.events.codes[ref.row]],
      batch.distinctIds.dictionary[batch.distinctIds.codes[ref.row]],
      Math.floor(batch.time[ref.row]),
    ]);
    const best = winners.get(key);
    if (best === undefined) {
      winners.set(key, ref);
    } else if (batch.offsets[ref.row] > batches[best.batch].offsets[best.row]) {
      marks[best.batch][best.row] = 1;
      winners.set(key, ref);
    } else {
      marks[ref.batch][ref.row] = 1;
    }
  }
}
