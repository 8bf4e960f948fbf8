// The order of a segment's rows: by (distinctId, time, offset) across every source batch, so each
// user's events are contiguous and in time order (uniques, funnels and retention stream per user).

import type { EventBatch } from "./stored-event.js";

/** What the order is taken from. */
export type RowSource = Pick<EventBatch, "length" | "time" | "offsets" | "distinctIds">;

/** Output row j is row `row[j]` of source `source[j]`. */
export interface RowOrder {
  readonly length: number;
  readonly source: Uint32Array;
  readonly row: Uint32Array;
}

/** Ranks of every distinct id across the sources, as one code array per source, and how many there are. */
function distinctIdRanks(sources: readonly RowSource[]): { ranks: Int32Array[]; count: number } {
  const all = new Set<string>();
  for (const s of sources) for (const id of s.distinctIds.dictionary) all.add(id);
  // The default sort compares UTF-16 code units: the same order the `<` of a reader would see.
  const sorted = Array.from(all).sort();
  const rankOf = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) rankOf.set(sorted[i], i);
  const ranks = sources.map((s) => Int32Array.from(s.distinctIds.dictionary, (id) => rankOf.get(id) ?? 0));
  return { ranks, count: Math.max(sorted.length, 1) };
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
  const { ranks, count } = distinctIdRanks(sources);
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
  return { length: total, source: sortedSource, row: sortedRow };
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
