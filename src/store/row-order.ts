// The order of a segment's rows: by (distinctId, time, offset) across every source batch, so each
// user's events are contiguous and in time order (uniques, funnels and retention stream per user).

import type { EventBatch } from "./stored-event.js";

/** What the order is taken from. */
export type RowSource = Pick<EventBatch, "length" | "time" | "offsets" | "distinctIds">;

/**
 * Output row j is row `row[j]` of source `source[j]`, which is row `at[j]` of the sources' rows
 * joined end to end (source 0's, then source 1's, …).
 */
export interface RowOrder {
  readonly length: number;
  readonly source: Uint32Array;
  readonly row: Uint32Array;
  readonly at: Uint32Array;
  /** Per joined row: the rank of its distinct id among every source's, an index into `ids`. */
  readonly rank: Int32Array;
  /** Every source's distinct ids, ascending, each once. */
  readonly ids: readonly string[];
}

interface IdRanks {
  /** Per source, the rank of each entry of its dictionary. */
  readonly ranks: Int32Array[];
  /** How many ranks there are (at least 1). */
  readonly count: number;
  readonly ids: readonly string[];
}

/** Ranks of every distinct id across the sources, as one code array per source, and how many there are. */
function distinctIdRanks(sources: readonly RowSource[]): IdRanks {
  const dictionaries = sources.map((s) => s.distinctIds.dictionary);
  if (sources.length > 1 && dictionaries.every(ascending)) return mergedRanks(dictionaries);
  const all = new Set<string>();
  for (const d of dictionaries) for (const id of d) all.add(id);
  // The default sort compares UTF-16 code units: the same order the `<` of a reader would see.
  const sorted = Array.from(all).sort();
  const rankOf = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) rankOf.set(sorted[i], i);
  const ranks = dictionaries.map((d) => Int32Array.from(d, (id) => rankOf.get(id) ?? 0));
  return { ranks, count: Math.max(sorted.length, 1), ids: sorted };
}

/**
 * Whether a dictionary lists its ids in ascending order: a segment's does (its rows are sorted by
 * id, and ids are coded in order of first use).
 */
function ascending(dictionary: readonly string[]): boolean {
  for (let i = 1; i < dictionary.length; i++) if (!(dictionary[i - 1] < dictionary[i])) return false;
  return true;
}

/**
 * distinctIdRanks of ascending dictionaries (a merge's): they are merged as sorted lists, through a
 * heap of the sources by their next id, so no id is hashed and none sorted again.
 */
function mergedRanks(dictionaries: readonly (readonly string[])[]): IdRanks {
  const ranks = dictionaries.map((d) => new Int32Array(d.length));
  const next = new Int32Array(dictionaries.length);
  const head = (s: number) => dictionaries[s][next[s]];
  const heap: number[] = [];
  for (let s = 0; s < dictionaries.length; s++) if (dictionaries[s].length > 0) heap.push(s);
  for (let k = (heap.length >> 1) - 1; k >= 0; k--) siftDown(heap, k, head);
  const ids: string[] = [];
  let last: string | null = null;
  while (heap.length > 0) {
    const s = heap[0];
    const id = head(s);
    // Equal ids of two sources come out one after the other.
    if (id !== last) {
      ids.push(id);
      last = id;
    }
    ranks[s][next[s]++] = ids.length - 1;
    if (next[s] === dictionaries[s].length) {
      const end = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = end;
    }
    siftDown(heap, 0, head);
  }
  return { ranks, count: Math.max(ids.length, 1), ids };
}

/** Restores the heap below `k` (a min-heap of sources by their next id). */
function siftDown(heap: number[], k: number, head: (s: number) => string): void {
  const s = heap[k];
  const id = head(s);
  for (;;) {
    let child = 2 * k + 1;
    if (child >= heap.length) break;
    if (child + 1 < heap.length && head(heap[child + 1]) < head(heap[child])) child++;
    if (!(head(heap[child]) < id)) break;
    heap[k] = heap[child];
    k = child;
  }
  heap[k] = s;
}

/**
 * The order by (distinct id, time, offset). Rows are counted out by id rank first (stable, linear),
 * then each user's rows are put in (time, offset) order: they come mostly in order already (a
 * buffer is in offset order, a segment in time order), so a check or a short insertion sort does.
 * Hot path (sealing, merging): typed arrays only, no comparator call per pair of rows.
 */
export function sortRows(sources: readonly RowSource[]): RowOrder {
  let total = 0;
  for (const s of sources) total += s.length;
  const source = new Uint32Array(total);
  const row = new Uint32Array(total);
  const rank = new Int32Array(total);
  const time = new Float64Array(total);
  const offset = new Float64Array(total);
  const { ranks, count, ids } = distinctIdRanks(sources);
  let g = 0;
  for (let s = 0; s < sources.length; s++) {
    const batch = sources[s];
    const codes = batch.distinctIds.codes;
    for (let r = 0; r < batch.length; r++, g++) {
      source[g] = s;
      row[g] = r;
      rank[g] = ranks[s][codes[r]];
      time[g] = batch.time[r];
      offset[g] = batch.offsets[r];
    }
  }
  // Where each rank's rows start, then every row counted into its rank's place, in input order.
  const start = new Uint32Array(count + 1);
  for (let i = 0; i < total; i++) start[rank[i] + 1]++;
  for (let r = 0; r < count; r++) start[r + 1] += start[r];
  const next = start.slice(0, count);
  const perm = new Uint32Array(total);
  for (let i = 0; i < total; i++) perm[next[rank[i]]++] = i;
  for (let r = 0; r < count; r++) sortByTime(perm, start[r], start[r + 1], time, offset);
  const sortedSource = new Uint32Array(total);
  const sortedRow = new Uint32Array(total);
  for (let j = 0; j < total; j++) {
    sortedSource[j] = source[perm[j]];
    sortedRow[j] = row[perm[j]];
  }
  return { length: total, source: sortedSource, row: sortedRow, at: perm, rank, ids };
}

/** Longer runs of one user's rows out of order are sorted by the engine rather than by insertion. */
const INSERTION_LIMIT = 32;

/** Sorts `perm[from … to)` by (time, offset), stably. */
function sortByTime(
  perm: Uint32Array,
  from: number,
  to: number,
  time: Float64Array,
  offset: Float64Array,
): void {
  let k = from + 1;
  while (k < to && !after(perm[k - 1], perm[k], time, offset)) k++;
  if (k >= to) return;
  if (to - from > INSERTION_LIMIT) {
    perm.subarray(from, to).sort((a, b) => time[a] - time[b] || offset[a] - offset[b]);
    return;
  }
  for (; k < to; k++) {
    const v = perm[k];
    let m = k;
    while (m > from && after(perm[m - 1], v, time, offset)) {
      perm[m] = perm[m - 1];
      m--;
    }
    perm[m] = v;
  }
}

/** Whether row a comes after row b. */
function after(a: number, b: number, time: Float64Array, offset: Float64Array): boolean {
  return time[a] > time[b] || (time[a] === time[b] && offset[a] > offset[b]);
}
