// Duplicates inside one batch, found through its sort order: rows are sorted by (stored id, time,
// offset), so when every row kept the id it was sent with, copies of one event (same id, same
// second) sit in one run of adjacent rows. A day held in a single batch (a compacted day, or only a
// buffer) needs nothing else, and no string is hashed. Runs are found on ids and time alone, so a
// batch without any run of two never has its insert ids decoded. Hot path: typed arrays only; a
// run is nearly always one row long.
//
// A batch with rows filed under another id than they were sent with may hold copies under two
// stored ids (one sent before an $identify, one sent again after it): it goes through the insert-key
// table (dedup-table.ts) instead, keyed by the id as sent.

import { type DeadRows, deadList } from "./dead-rows.js";
import type { DedupColumns } from "./dedup-columns.js";
import { InsertKeyTable } from "./dedup-table.js";

/** Runs longer than this are deduplicated through a Map instead of pairwise. */
const PAIRWISE_RUN = 32;

/** The dead rows of a batch taken alone. */
export function runDuplicates(b: DedupColumns): DeadRows {
  if (b.sentIds !== b.distinctIds) {
    return b.insertIds.dictionary.length === 0 ? null : new InsertKeyTable([b]).deadLists()[0];
  }
  const ids = b.distinctIds.codes;
  const time = b.time;
  const n = ids.length;
  let dead: Uint8Array | null = null;
  let start = 0;
  while (start < n) {
    const id = ids[start];
    const second = Math.floor(time[start]);
    let end = start + 1;
    while (end < n && ids[end] === id && Math.floor(time[end]) === second) end++;
    if (end - start > 1) {
      if (dead === null && b.insertIds.dictionary.length === 0) return null;
      dead ??= new Uint8Array(n);
      if (end - start <= PAIRWISE_RUN) markPairwise(b, start, end, dead);
      else markByMap(b, start, end, dead);
    }
    start = end;
  }
  return deadList(dead);
}

function loserOf(b: DedupColumns, i: number, j: number): number {
  return b.offsets[i] > b.offsets[j] ? j : i;
}

function markPairwise(b: DedupColumns, start: number, end: number, dead: Uint8Array): void {
  const ins = b.insertIds.codes;
  const ev = b.events.codes;
  for (let i = start; i < end; i++) {
    if (ins[i] < 0 || dead[i] === 1) continue;
    for (let j = i + 1; j < end; j++) {
      if (ins[j] !== ins[i] || ev[j] !== ev[i] || dead[j] === 1) continue;
      const loser = loserOf(b, i, j);
      dead[loser] = 1;
      if (loser === i) break;
    }
  }
}

function markByMap(b: DedupColumns, start: number, end: number, dead: Uint8Array): void {
  const ins = b.insertIds.codes;
  const ev = b.events.codes;
  const events = b.events.dictionary.length;
  const winners = new Map<number, number>();
  for (let i = start; i < end; i++) {
    if (ins[i] < 0) continue;
    // Codes are below 2^31 each and the event dictionary is small: the product stays exact.
    const key = ins[i] * events + ev[i];
    const seen = winners.get(key);
    if (seen === undefined) {
      winners.set(key, i);
      continue;
    }
    const loser = loserOf(b, seen, i);
    dead[loser] = 1;
    if (loser === seen) winners.set(key, i);
  }
}
