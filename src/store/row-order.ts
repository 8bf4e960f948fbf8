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

/** Ranks of every distinct id across the sources, as one code array per source. */
function distinctIdRanks(sources: readonly RowSource[]): Int32Array[] {
  const all = new Set<string>();
  for (const s of sources) for (const id of s.distinctIds.dictionary) all.add(id);
  // The default sort compares UTF-16 code units: the same order the `<` of a reader would see.
  const sorted = Array.from(all).sort();
  const rankOf = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) rankOf.set(sorted[i], i);
  return sources.map((s) => Int32Array.from(s.distinctIds.dictionary, (id) => rankOf.get(id) ?? 0));
}

export function sortRows(sources: readonly RowSource[]): RowOrder {
  let total = 0;
  for (const s of sources) total += s.length;
  const source = new Uint32Array(total);
  const row = new Uint32Array(total);
  const rank = new Int32Array(total);
  const time = new Float64Array(total);
  const offset = new Float64Array(total);
  const ranks = distinctIdRanks(sources);
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
  const perm = new Uint32Array(total);
  for (let i = 0; i < total; i++) perm[i] = i;
  perm.sort((a, b) => rank[a] - rank[b] || time[a] - time[b] || offset[a] - offset[b]);
  const sortedSource = new Uint32Array(total);
  const sortedRow = new Uint32Array(total);
  for (let j = 0; j < total; j++) {
    sortedSource[j] = source[perm[j]];
    sortedRow[j] = row[perm[j]];
  }
  return { length: total, source: sortedSource, row: sortedRow };
}
