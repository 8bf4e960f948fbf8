// The funnel's state machine, run over each user's rows in time order (src/query/README.md,
// funnels): a user's first step-1 row of each bucket is an entry; from it each later step is the
// first later row that does that step, at most the window after the entry; one row does at most
// one step. Each pass is tallied in "$overall" (slot 0) and in the listed segments of its entry.

import type { SegmentLists } from "./funnel-segment-lists.js";
import { countSegments } from "./funnel-segment-slots.js";
import type { FunnelTally } from "./funnel-tally.js";
import { BUCKET, MASK, RECORD, SOURCE, TIME, type Timelines, type UserOrder } from "./funnel-timelines.js";

export interface FunnelWalk {
  readonly steps: number;
  readonly windowSeconds: number;
  /** Per `on` segment id, its slot in the tally or -1; undefined without `on`. */
  readonly slots: Int32Array | undefined;
}

/** The bucket of record `j` when it is user `u`'s entry there (and marks it entered), else -1. */
function entryBucket(records: Float64Array, j: number, u: number, entered: Int32Array): number {
  const at = j * RECORD;
  const b = records[at + BUCKET];
  if ((records[at + MASK] & 1) === 0 || b < 0 || entered[b] === u) return -1;
  entered[b] = u;
  return b;
}

/** Hot path: per `on` segment id, how many passes entered it over the range. */
export function countEntries(
  timelines: Timelines,
  order: UserOrder,
  lists: SegmentLists,
  buckets: number,
  segments: number,
): Float64Array {
  const { starts, records } = order;
  const counts = new Float64Array(segments);
  const entered = new Int32Array(buckets).fill(-1);
  for (let u = 0; u + 1 < starts.length; u++) {
    for (let j = starts[u]; j < starts[u + 1]; j++) {
      if (entryBucket(records, j, u, entered) < 0) continue;
      const list = timelines.segmentsAt[records[j * RECORD + SOURCE]];
      if (list >= 0) countSegments(lists, list, counts);
    }
  }
  return counts;
}

/** Hot path: every user's passes into `tally`. */
export function walkFunnels(
  timelines: Timelines,
  order: UserOrder,
  lists: SegmentLists,
  walk: FunnelWalk,
  tally: FunnelTally,
): void {
  const { starts, records } = order;
  const { slots } = walk;
  const entered = new Int32Array(tally.buckets).fill(-1);
  const times = new Float64Array(walk.steps);
  const found = new Int32Array(walk.steps);
  for (let u = 0; u + 1 < starts.length; u++) {
    const end = starts[u + 1];
    found.fill(-1);
    for (let j = starts[u]; j < end; j++) {
      const b = entryBucket(records, j, u, entered);
      if (b < 0) continue;
      const reached = stepsFrom(j, end, records, walk, times, found);
      tally.add(0, b, times, reached);
      const list = timelines.segmentsAt[records[j * RECORD + SOURCE]];
      if (slots === undefined || list < 0) continue;
      const ids = lists.ids;
      for (let k = list + 1; k <= list + ids[list]; k++) {
        if (slots[ids[k]] >= 0) tally.add(slots[ids[k]], b, times, reached);
      }
    }
  }
}

/**
 * Walks from the entry at `j`, writing the time of each step reached; returns how many.
 *
 * `found[s]` is the row the last search for step s stopped at: the first from where it began that
 * does step s, or `end`. A later entry of the same user begins every search no earlier (its entry
 * is later, so is each step it finds), so a search resumes from there, and each step's search moves
 * forward only: a user's walk costs rows × steps, not entries × rows (one user doing step 1 every
 * minute of a 90-day window would otherwise rescan the window from each entry).
 */
function stepsFrom(
  j: number,
  end: number,
  records: Float64Array,
  walk: FunnelWalk,
  times: Float64Array,
  found: Int32Array,
): number {
  const start = records[j * RECORD + TIME];
  times[0] = start;
  let from = j + 1;
  let reached = 1;
  while (reached < walk.steps) {
    let i = found[reached];
    if (i < from) {
      const bit = 1 << reached;
      i = from;
      while (i < end && (records[i * RECORD + MASK] & bit) === 0) i++;
      found[reached] = i;
    }
    if (i >= end) break;
    const t = records[i * RECORD + TIME];
    if (t - start > walk.windowSeconds) break;
    times[reached++] = t;
    from = i + 1;
  }
  return reached;
}
