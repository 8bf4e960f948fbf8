// `retention` (birth and compounded): the same contract as reference/retention.ts. Birth retention
// takes two scans: the born event's rows of the range give each user's joining bucket and moment,
// then the returning rows of the range and `interval_count` units after it (same start, so its
// first buckets are the range's) set a bit per user for each bucket of return. Compounded
// retention gathers the returning rows, puts them in each user's time order, and finds each user's
// memberships in one pass.

import { type CompiledExpr, compile } from "../../expr/compile.js";
import type { Expression } from "../params-read.js";
import type { RetentionParams } from "../params-retention.js";
import type { RetentionCohort, RetentionReply } from "../reference/retention.js";
import { bucketsOf, daysSpan, extendSpan, type TimeBuckets, type TimeSpan } from "../time-buckets.js";
import { SegmentLists } from "./funnel-segment-lists.js";
import { type SegmentSlots, topSlots } from "./funnel-segment-slots.js";
import { borrowTimelines, releaseTimelines, type Timelines } from "./funnel-timelines.js";
import { type EngineLimits, limitsOf } from "./limits.js";
import { QueryEvents } from "./query-events.js";
import { QueryUsers } from "./query-users.js";
import { Births } from "./retention-births.js";
import { JoinCounts, RetentionCohorts } from "./retention-cohorts.js";
import { ReturnBuckets, walkBirths } from "./retention-returns.js";
import { RetentionSink } from "./retention-sink.js";
import { type Memberships, walkCompounded } from "./retention-walk.js";
import { evalContextOf, scan } from "./scan.js";
import { SegmentIds } from "./segment-ids.js";
import { ValueSegmenter } from "./segmenter.js";
import { type QuerySource, queryMemoryOf } from "./source.js";

export type { RetentionReply } from "../reference/retention.js";

/** Reports every membership of the query to `into`; called once, or twice with `on`. */
type Walk = (into: Memberships) => void;

/** What both kinds of retention share: the range's buckets, `on`'s segments, the compiled filters. */
interface RetentionPlan {
  readonly source: QuerySource;
  readonly params: RetentionParams;
  readonly span: TimeSpan;
  /** The range's buckets: cohorts. */
  readonly range: TimeBuckets;
  /** The range's and `interval_count` more: returns. */
  readonly extended: TimeBuckets;
  readonly ids: SegmentIds;
  readonly lists: SegmentLists;
  readonly segmenter: ValueSegmenter | undefined;
  readonly limits: EngineLimits;
}

export async function retention(source: QuerySource, params: RetentionParams): Promise<RetentionReply> {
  const plan = retentionPlan(source, params);
  if (params.retentionType === "birth") return counted(plan, await birthWalk(plan));
  const timelines = borrowTimelines(queryMemoryOf(source));
  try {
    return counted(plan, await compoundedWalk(plan, timelines));
  } finally {
    releaseTimelines(timelines);
  }
}

function retentionPlan(source: QuerySource, params: RetentionParams): RetentionPlan {
  const limits = limitsOf(source.limits);
  const { timeZone } = source;
  const span = daysSpan(params.period.from, params.period.to, timeZone);
  const ids = new SegmentIds(limits.maxSegments, limits.maxSegmentChars);
  return {
    source,
    params,
    span,
    range: bucketsOf(span, params.unit, timeZone),
    extended: bucketsOf(extendSpan(span, params.unit, params.intervalCount, timeZone), params.unit, timeZone),
    ids,
    lists: new SegmentLists(),
    segmenter:
      params.on === undefined
        ? undefined
        : new ValueSegmenter(compiled(source, params.on), ids, { absentIsSegment: true, timeZone }),
    limits,
  };
}

/** Compounded retention's scan: each user's returns, put in time order in `timelines`. */
async function compoundedWalk(plan: RetentionPlan, timelines: Timelines): Promise<Walk> {
  const { source, params, span } = plan;
  const shape = {
    event: params.event,
    where: compiled(source, params.where),
    rangeEnd: span.end,
    segmenter: plan.segmenter,
  };
  const sink = new RetentionSink(shape, timelines, plan.lists);
  await scan(
    source,
    {
      buckets: plan.extended,
      events: returning(params),
      where: undefined,
      users: true,
      reads: { offsets: true, expressions: [params.where, params.on] },
    },
    sink,
  );
  const order = timelines.order(sink.users);
  const bounds = { buckets: plan.range.labels.length, end: span.end };
  return (into) => walkCompounded(timelines, order, params.intervalCount, bounds, into);
}

function compiled(source: QuerySource, e: Expression): CompiledExpr;
function compiled(source: QuerySource, e: Expression | undefined): CompiledExpr | undefined;
function compiled(source: QuerySource, e: Expression | undefined): CompiledExpr | undefined {
  return e === undefined ? undefined : compile(e.node, evalContextOf(source));
}

/** The returning events: the one named, or every event. */
function returning(params: RetentionParams): QueryEvents {
  return new QueryEvents(params.event === undefined ? null : [params.event]);
}

/** Birth retention's two scans; they share user numbers, so the second can look up the first's. */
async function birthWalk(plan: RetentionPlan): Promise<Walk> {
  const { source, params } = plan;
  const queryUsers = new QueryUsers();
  const births = new Births(plan.segmenter, plan.lists);
  await scan(
    source,
    {
      buckets: plan.range,
      // Parsing requires born_event for birth retention.
      events: new QueryEvents([params.bornEvent as string]),
      where: params.bornWhere,
      users: true,
      queryUsers,
      // Offsets only break ties between a user's born rows: most segments never read them.
      reads: { expressions: [params.on] },
    },
    births,
  );
  const returns = new ReturnBuckets(births, params.intervalCount, plan.extended);
  const request = { buckets: plan.extended, events: returning(params), where: params.where, users: true };
  await scan(source, { ...request, queryUsers, perRow: false, reads: { idRunEnds: true } }, returns);
  return (into) => walkBirths(births, returns, params.intervalCount, into);
}

/** The cohorts of every membership `walk` reports, per listed segment with `on`. */
function counted(plan: RetentionPlan, walk: Walk): RetentionReply {
  const { params, ids, lists, limits } = plan;
  const labels = plan.range.labels;
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
