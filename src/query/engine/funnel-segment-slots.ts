// With `on`, a reply lists only the `limit` segments that most users entered (funnels) or joined
// (retention). The per-user pass is run twice: once counting per segment, then tallying only the
// listed segments, each in a slot of its own; so the tally holds `limit` segments however many
// values `on` takes (a funnel by user id would otherwise need one per user).

import type { SegmentLists } from "./funnel-segment-lists.js";
import { rankByTotal } from "./series-reply.js";

/** Adds 1 to the count of each segment id in the list at `at`. */
export function countSegments(lists: SegmentLists, at: number, counts: Float64Array): void {
  const ids = lists.ids;
  for (let k = at + 1; k <= at + ids[at]; k++) counts[ids[k]]++;
}

export interface SegmentSlots {
  /** The listed segments, in reply order. */
  readonly listed: readonly string[];
  /** Per segment id, its slot (`first` + its place in `listed`), or -1 when it is not listed. */
  readonly slots: Int32Array;
}

/** The `limit` segments with the largest counts above 0, ties by key, leaving out `excluded`. */
export function topSlots(
  names: readonly string[],
  counts: Float64Array,
  limit: number,
  first: number,
  excluded?: string,
): SegmentSlots {
  const totals = names
    .map((name, id) => [name, counts[id]] as const)
    .filter(([name, total]) => total > 0 && name !== excluded);
  const listed = rankByTotal(totals, limit);
  const slots = new Int32Array(names.length).fill(-1);
  const idOf = new Map(names.map((name, id) => [name, id]));
  listed.forEach((name, i) => {
    slots[idOf.get(name) as number] = first + i;
  });
  return { listed, slots };
}
