// `funnels`: the same contract as reference/funnels.ts, computed by streaming each user's events in
// time order rather than by joins. One scan gathers the rows that do some step (the step events,
// kept by `where`, with selectors as bits) from the range through the conversion window after it;
// the rows are put in each user's time order, and the funnel's state machine walks them once.

import { compile } from "../../expr/compile.js";
import type { FunnelParams } from "../params-funnel.js";
import { type FunnelReply, OVERALL } from "../reference/funnels.js";
import type { TimeBuckets } from "../time-buckets.js";
import { funnelReply } from "./funnel-reply.js";
import { SegmentLists } from "./funnel-segment-lists.js";
import { topSlots } from "./funnel-segment-slots.js";
import { FunnelSink } from "./funnel-sink.js";
import { FunnelTally } from "./funnel-tally.js";
import { borrowTimelines, releaseTimelines, type Timelines } from "./funnel-timelines.js";
import { countEntries, walkFunnels } from "./funnel-walk.js";
import { checkReplySize, limitsOf } from "./limits.js";
import { periodBuckets } from "./period-buckets.js";
import { QueryEvents } from "./query-events.js";
import { evalContextOf, scan } from "./scan.js";
import { SegmentIds } from "./segment-ids.js";
import { ValueSegmenter } from "./segmenter.js";
import { type QuerySource, queryMemoryOf } from "./source.js";

export type { FunnelReply } from "../reference/funnels.js";

export async function funnels(source: QuerySource, params: FunnelParams): Promise<FunnelReply> {
  const limits = limitsOf(source.limits);
  const range = periodBuckets(source, params.period, params.unit);
  const buckets = range.labels.length;
  // Each step of each date (and segment) is written out with its name twice (goal and event): the
  // reply with no segments is refused before any data is read, one with `on` once it knows them.
  const stepChars = params.steps.reduce((sum, step) => sum + 2 * step.event.length + 160, 0);
  checkReplySize(buckets, stepChars, limits);
  const ids = new SegmentIds(limits.maxSegments, limits.maxSegmentChars);
  const lists = new SegmentLists();
  const timelines = borrowTimelines(queryMemoryOf(source));
  try {
    const order = timelines.order(await gather(source, params, range, ids, timelines, lists));
    // "$overall" is slot 0; an `on` segment of that name is shadowed by it.
    const top =
      params.on === undefined
        ? undefined
        : topSlots(
            ids.names,
            countEntries(timelines, order, lists, buckets, ids.size),
            params.limit,
            1,
            OVERALL,
          );
    const slots = 1 + (top?.listed.length ?? 0);
    checkReplySize(slots * buckets, stepChars, limits);
    const tally = new FunnelTally(slots, buckets, params.steps.length, limits.maxCells);
    const walk = { steps: params.steps.length, windowSeconds: params.windowSeconds, slots: top?.slots };
    walkFunnels(timelines, order, lists, walk, tally);
    return funnelReply(range.labels, tally, params, top === undefined ? undefined : [OVERALL, ...top.listed]);
  } finally {
    releaseTimelines(timelines);
  }
}

/** Scans the step events into `timelines`; returns how many users the query met. */
async function gather(
  source: QuerySource,
  params: FunnelParams,
  range: TimeBuckets,
  ids: SegmentIds,
  timelines: Timelines,
  lists: SegmentLists,
): Promise<number> {
  const ctx = evalContextOf(source);
  const segmenter =
    params.on === undefined
      ? undefined
      : new ValueSegmenter(compile(params.on.node, ctx), ids, {
          absentIsSegment: true,
          timeZone: source.timeZone,
        });
  const events = new QueryEvents([...new Set(params.steps.map((s) => s.event))]);
  const selectors = params.steps.map((s) =>
    s.selector === undefined ? undefined : compile(s.selector.node, ctx),
  );
  const shape = { steps: params.steps, selectors, events, buckets: range.labels.length, segmenter };
  const sink = new FunnelSink(shape, timelines, lists);
  // A step may come up to the window after the range's last entry.
  const buckets = withTail(range, range.span.end + params.windowSeconds + 1);
  const reads = { offsets: true, expressions: [params.on, ...params.steps.map((s) => s.selector)] };
  await scan(source, { buckets, events, where: params.where, users: true, reads }, sink);
  return sink.users;
}

/** The range's buckets and one more, numbered after them, from the range's end to `end`. */
function withTail(range: TimeBuckets, end: number): TimeBuckets {
  const n = range.stretchStarts.length;
  const starts = new Float64Array(n + 1);
  starts.set(range.stretchStarts);
  starts[n] = range.span.end;
  const labels = new Int32Array(n + 1);
  labels.set(range.stretchLabels);
  labels[n] = range.labels.length;
  return {
    unit: range.unit,
    span: { start: range.span.start, end },
    labels: [...range.labels, "after"],
    stretchStarts: starts,
    stretchLabels: labels,
  };
}
