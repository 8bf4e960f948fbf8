// `retention` (birth and compounded): the same contract as reference/retention.ts, computed by
// streaming each user's events in time order. One scan over the range and `interval_count` units
// after it gathers the born and returning rows that can matter, with their bucket of that extended
// span (whose first buckets are the range's); the rows are put in each user's time order and each
// user's memberships are found in one pass.

import { compile } from "../../expr/compile.js";
import type { Expression } from "../params-read.js";
import type { RetentionParams } from "../params-retention.js";
import type { RetentionCohort, RetentionReply } from "../reference/retention.js";
import { bucketsOf, daysSpan, extendSpan, type TimeSpan } from "../time-buckets.js";
import { SegmentLists } from "./funnel-segment-lists.js";
import { type SegmentSlots, topSlots } from "./funnel-segment-slots.js";
import { borrowTimelines, releaseTimelines, type Timelines } from "./funnel-timelines.js";
import { limitsOf } from "./limits.js";
import { QueryEvents } from "./query-events.js";
import { JoinCounts, RetentionCohorts } from "./retention-cohorts.js";
import { RetentionSink } from "./retention-sink.js";
import { type Memberships, walkBirth, walkCompounded } from "./retention-walk.js";
import { evalContextOf, scan } from "./scan.js";
import { SegmentIds } from "./segment-ids.js";
import { ValueSegmenter } from "./segmenter.js";
import type { QuerySource } from "./source.js";

export type { RetentionReply } from "../reference/retention.js";

export async function retention(source: QuerySource, params: RetentionParams): Promise<RetentionReply> {
  const limits = limitsOf(source.limits);
  const span = daysSpan(params.period.from, params.period.to, source.timeZone);
  const labels = bucketsOf(span, params.unit, source.timeZone).labels;
  const ids = new SegmentIds(limits.maxSegments);
  const lists = new SegmentLists();
  const timelines = borrowTimelines();
  try {
    const order = timelines.order(await gather(source, params, span, ids, timelines, lists));
    const walk = (into: Memberships) =>
      params.retentionType === "birth"
        ? walkBirth(timelines, order, params.intervalCount, into)
        : walkCompounded(
            timelines,
            order,
            params.intervalCount,
            { buckets: labels.length, end: span.end },
            into,
          );
    let top: SegmentSlots | undefined;
    if (params.on !== undefined) {
      const joined = new JoinCounts(ids.size, lists);
      walk(joined);
      top = topSlots(ids.names, joined.counts, params.limit, 0);
    }
    const slots = top === undefined ? 1 : top.listed.length;
    const cohorts = new RetentionCohorts(
      slots,
      labels.length,
      params.intervalCount,
      lists,
      top?.slots,
      limits.maxCells,
    );
    walk(cohorts);
    return replyOf(labels, cohorts, top?.listed);
  } finally {
    releaseTimelines(timelines);
  }
}

/**
 * Scans the range and `interval_count` units after it (same start, so its first buckets are the
 * range's) into `timelines`; returns how many users the query met.
 */
async function gather(
  source: QuerySource,
  params: RetentionParams,
  span: TimeSpan,
  ids: SegmentIds,
  timelines: Timelines,
  lists: SegmentLists,
): Promise<number> {
  const ctx = evalContextOf(source);
  const { timeZone } = source;
  const birth = params.retentionType === "birth";
  const compiled = (e: Expression | undefined) => (e === undefined ? undefined : compile(e.node, ctx));
  const shape = {
    bornEvent: birth ? params.bornEvent : undefined,
    bornWhere: birth ? compiled(params.bornWhere) : undefined,
    event: params.event,
    where: compiled(params.where),
    rangeEnd: span.end,
    segmenter:
      params.on === undefined
        ? undefined
        : new ValueSegmenter(compile(params.on.node, ctx), ids, { absentIsSegment: true, timeZone }),
  };
  const sink = new RetentionSink(shape, timelines, lists);
  const extended = extendSpan(span, params.unit, params.intervalCount, timeZone);
  const buckets = bucketsOf(extended, params.unit, timeZone);
  const events = new QueryEvents(eventNames(params, birth));
  await scan(source, { buckets, events, where: undefined, users: true }, sink);
  return sink.users;
}

/** The events the scan reads: the born and returning events, or every event when any returns. */
function eventNames(params: RetentionParams, birth: boolean): string[] | null {
  if (params.event === undefined) return null;
  return birth && params.bornEvent !== undefined
    ? [...new Set([params.bornEvent, params.event])]
    : [params.event];
}

function byDate(
  labels: readonly string[],
  cohorts: RetentionCohorts,
  slot: number,
): Record<string, RetentionCohort> {
  const dated: Record<string, RetentionCohort> = {};
  labels.forEach((label, b) => {
    dated[label] = cohorts.cohort(slot, b);
  });
  return dated;
}

/** Without `on`: date → cohort. With `on`: each listed segment (slot i is `listed[i]`) → date → cohort. */
function replyOf(
  labels: readonly string[],
  cohorts: RetentionCohorts,
  listed: readonly string[] | undefined,
): RetentionReply {
  if (listed === undefined) return byDate(labels, cohorts, 0);
  const reply: Record<string, Record<string, RetentionCohort>> = Object.create(null);
  listed.forEach((name, slot) => {
    reply[name] = byDate(labels, cohorts, slot);
  });
  return reply;
}
