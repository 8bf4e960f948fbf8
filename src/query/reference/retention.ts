// `retention`: cohorts of users by the bucket they joined in, and how many of them came back in
// each later bucket. The rules:
//
// - A returning event is one named `event` (any event when `event` is absent) that `where` keeps.
// - birth: a user joins the cohort of the bucket of their first `born_event` in the range that
//   `born_where` keeps (once, even if they do it again later in the range).
// - compounded: a user joins the cohort of every bucket of the range in which they did a returning
//   event, from the first one in that bucket.
// - counts[i] (i = 0 … interval_count) is how many of the cohort did a returning event i buckets
//   after the cohort's, at or after the moment they joined (so in compounded retention counts[0]
//   equals first). Later buckets may lie after to_date; every cohort has interval_count + 1 counts.
// - `on` is evaluated on the event by which the user joined; they count in each of its segments.
//   The reply is then keyed by segment first, the `limit` segments with the most users joining
//   over the range (ties by key).

import type { RetentionParams } from "../params-retention.js";
import { bucketIndex, bucketsOf, daysSpan, extendSpan, type TimeBuckets } from "../time-buckets.js";
import type { Dataset } from "./dataset.js";
import { passes, segmentsOf } from "./expressions.js";
import { eventsByUser, prepare, type QueryData, type QueryEvent } from "./query-events.js";
import { type Keyed, keyed } from "./reply-object.js";
import { rankByTotal } from "./series.js";

export interface RetentionCohort {
  readonly counts: number[];
  first: number;
}

/** Without `on`: date → cohort. With `on`: segment → date → cohort. */
export type RetentionReply = Record<string, RetentionCohort> | Keyed<Record<string, RetentionCohort>>;

/** How a user joined one cohort. */
interface Membership {
  readonly bucket: number;
  readonly event: QueryEvent;
}

/** The one segment when there is no `on`; never a key of the reply. */
const WHOLE = "";

export function retention(dataset: Dataset, params: RetentionParams): RetentionReply {
  const data = prepare(dataset);
  const span = daysSpan(params.period.from, params.period.to, dataset.timeZone);
  const range = bucketsOf(span, params.unit, dataset.timeZone);
  // Same start, so a label's index is the same in both; the extension only adds later buckets.
  const extended = bucketsOf(
    extendSpan(span, params.unit, params.intervalCount, dataset.timeZone),
    params.unit,
    dataset.timeZone,
  );
  const cohorts = new Map<string, RetentionCohort[]>();
  for (const events of eventsByUser(data.events).values()) {
    const returning = events.filter((e) => isReturning(e, params, data));
    for (const joined of memberships(events, returning, range, params, data)) {
      const later = bucketsReturned(returning, joined, extended, params.intervalCount);
      const segments = params.on === undefined ? [WHOLE] : segmentsOf(params.on, joined.event, data.ctx);
      for (const segment of segments) {
        const cohort = cohortsOf(cohorts, segment, range, params.intervalCount)[joined.bucket];
        cohort.first++;
        for (const i of later) cohort.counts[i]++;
      }
    }
  }
  return replyOf(cohorts, range, params);
}

function isReturning(e: QueryEvent, params: RetentionParams, data: QueryData): boolean {
  return (params.event === undefined || e.name === params.event) && passes(params.where, e, data.ctx);
}

function memberships(
  events: readonly QueryEvent[],
  returning: readonly QueryEvent[],
  range: TimeBuckets,
  params: RetentionParams,
  data: QueryData,
): Membership[] {
  if (params.retentionType === "birth") {
    for (const e of events) {
      if (e.name !== params.bornEvent || !passes(params.bornWhere, e, data.ctx)) continue;
      const bucket = bucketIndex(range, e.time);
      if (bucket >= 0) return [{ bucket, event: e }];
    }
    return [];
  }
  const joined = new Map<number, Membership>();
  for (const e of returning) {
    const bucket = bucketIndex(range, e.time);
    if (bucket >= 0 && !joined.has(bucket)) joined.set(bucket, { bucket, event: e });
  }
  return [...joined.values()];
}

/** Which i in 0 … intervalCount had a returning event at or after joining, i buckets later. */
function bucketsReturned(
  returning: readonly QueryEvent[],
  joined: Membership,
  extended: TimeBuckets,
  intervalCount: number,
): Set<number> {
  const later = new Set<number>();
  for (const e of returning) {
    if (e.time < joined.event.time) continue;
    const i = bucketIndex(extended, e.time) - joined.bucket;
    if (i >= 0 && i <= intervalCount) later.add(i);
  }
  return later;
}

function cohortsOf(
  cohorts: Map<string, RetentionCohort[]>,
  segment: string,
  range: TimeBuckets,
  intervalCount: number,
): RetentionCohort[] {
  let list = cohorts.get(segment);
  if (list === undefined) {
    list = emptyCohorts(range, intervalCount);
    cohorts.set(segment, list);
  }
  return list;
}

function emptyCohorts(range: TimeBuckets, intervalCount: number): RetentionCohort[] {
  return range.labels.map(() => ({ counts: Array.from({ length: intervalCount + 1 }, () => 0), first: 0 }));
}

function byDate(range: TimeBuckets, list: readonly RetentionCohort[]): Record<string, RetentionCohort> {
  const dated: Record<string, RetentionCohort> = {};
  range.labels.forEach((label, b) => {
    dated[label] = list[b];
  });
  return dated;
}

function replyOf(
  cohorts: Map<string, RetentionCohort[]>,
  range: TimeBuckets,
  params: RetentionParams,
): RetentionReply {
  if (params.on === undefined) {
    return byDate(range, cohorts.get(WHOLE) ?? emptyCohorts(range, params.intervalCount));
  }
  const totals = [...cohorts].map(
    ([segment, list]) => [segment, list.reduce((n, c) => n + c.first, 0)] as const,
  );
  const listed = rankByTotal(totals, params.limit);
  return keyed(listed.map((segment) => [segment, byDate(range, cohorts.get(segment)!)] as const));
}
