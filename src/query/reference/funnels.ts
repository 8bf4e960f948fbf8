// `funnels`: for each date of entry, how many users did step 1, then step 2 after it, and so on,
// within the conversion window from the entry. Computed per user over their events in time order
// (ties in ingestion order), the way the engine streams them. The rules, all in one place:
//
// - An event does a step when its name is the step's, and `where` and the step's selector both
//   keep it. Events of "no user" ids never count.
// - Entry: in each bucket of the range, a user's first event doing step 1 is their entry for that
//   date; later step-1 events in the same bucket are ignored (Mixpanel's "first entry per date").
//   Entries in different buckets are separate passes through the funnel.
// - From the entry, each later step is the first event after the previous step's event (later in
//   the time-then-ingestion order) that does that step and is at most the window after the entry
//   (`time − entry time ≤ window`). One event does at most one step: the one the user is at.
//   Steps may come after to_date.
// - `on` is evaluated on the entry event; a user counts in each of its segments.

import type { FunnelParams, FunnelStep } from "../params-funnel.js";
import { bucketIndex, type TimeBuckets } from "../time-buckets.js";
import { periodBuckets } from "./buckets.js";
import type { Dataset } from "./dataset.js";
import { passes, segmentsOf } from "./expressions.js";
import { type FunnelDateReply, funnelDateReply, StepTally } from "./funnel-steps.js";
import { eventsByUser, prepare, type QueryData, type QueryEvent } from "./query-events.js";
import { type Keyed, keyed } from "./reply-object.js";
import { rankByTotal } from "./series.js";

/** The segment every user is in, beside those of `on`. */
export const OVERALL = "$overall";

export interface FunnelReply {
  readonly meta: { readonly dates: readonly string[] };
  /** Without `on`: date → steps and analysis. With `on`: date → "$overall" and each segment → the same. */
  readonly data: Record<string, FunnelDateReply | Keyed<FunnelDateReply>>;
}

export function funnels(dataset: Dataset, params: FunnelParams): FunnelReply {
  const data = prepare(dataset);
  const buckets = periodBuckets(dataset, params.period, params.unit);
  // tallies[bucket] maps segment → step tally.
  const tallies = buckets.labels.map(() => new Map<string, StepTally>());
  for (const userEvents of eventsByUser(data.events).values()) {
    for (const pass of passesOf(userEvents, buckets, params, data)) {
      for (const segment of pass.segments)
        tallyFor(tallies[pass.bucket], segment, params.steps.length).add(pass.times);
    }
  }
  return { meta: { dates: [...buckets.labels] }, data: replyData(buckets.labels, tallies, params) };
}

interface Pass {
  readonly bucket: number;
  /** When each step reached was done; times[0] is the entry. */
  readonly times: readonly number[];
  readonly segments: readonly string[];
}

function passesOf(
  events: readonly QueryEvent[],
  buckets: TimeBuckets,
  params: FunnelParams,
  data: QueryData,
): Pass[] {
  const passes: Pass[] = [];
  const entered = new Set<number>();
  events.forEach((e, at) => {
    const bucket = bucketIndex(buckets, e.time);
    if (bucket < 0 || entered.has(bucket) || !doesStep(e, params.steps[0], params, data)) return;
    entered.add(bucket);
    const segments = params.on === undefined ? [OVERALL] : [OVERALL, ...segmentsOf(params.on, e, data.ctx)];
    passes.push({ bucket, times: walk(events, at, params, data), segments: [...new Set(segments)] });
  });
  return passes;
}

/** The times of the steps reached from the entry at `entry`, greedily, earliest event first. */
function walk(events: readonly QueryEvent[], entry: number, params: FunnelParams, data: QueryData): number[] {
  const start = events[entry].time;
  const times = [start];
  for (let i = entry + 1; i < events.length && times.length < params.steps.length; i++) {
    const e = events[i];
    if (e.time - start > params.windowSeconds) break;
    if (doesStep(e, params.steps[times.length], params, data)) times.push(e.time);
  }
  return times;
}

function doesStep(e: QueryEvent, step: FunnelStep, params: FunnelParams, data: QueryData): boolean {
  return e.name === step.event && passes(params.where, e, data.ctx) && passes(step.selector, e, data.ctx);
}

function tallyFor(bySegment: Map<string, StepTally>, segment: string, steps: number): StepTally {
  let tally = bySegment.get(segment);
  if (tally === undefined) {
    tally = new StepTally(steps);
    bySegment.set(segment, tally);
  }
  return tally;
}

/**
 * Without `on`, each date holds the overall funnel. With `on`, it holds "$overall" and the `limit`
 * segments that most users entered over the whole range (ties by key), each on every date. A
 * segment whose value is itself "$overall" is shadowed by the overall funnel.
 */
function replyData(
  labels: readonly string[],
  tallies: readonly Map<string, StepTally>[],
  params: FunnelParams,
): FunnelReply["data"] {
  const steps = params.steps;
  const reply = (bucket: number, segment: string) =>
    funnelDateReply(tallies[bucket].get(segment) ?? new StepTally(steps.length), steps);
  const data: FunnelReply["data"] = {};
  if (params.on === undefined) {
    labels.forEach((label, b) => {
      data[label] = reply(b, OVERALL);
    });
    return data;
  }
  const listed = [OVERALL, ...topSegments(tallies, params.limit).filter((s) => s !== OVERALL)];
  labels.forEach((label, b) => {
    data[label] = keyed(listed.map((segment) => [segment, reply(b, segment)] as const));
  });
  return data;
}

function topSegments(tallies: readonly Map<string, StepTally>[], limit: number): string[] {
  const entered = new Map<string, number>();
  for (const bySegment of tallies) {
    for (const [segment, tally] of bySegment) {
      if (segment !== OVERALL) entered.set(segment, (entered.get(segment) ?? 0) + tally.counts[0]);
    }
  }
  return rankByTotal([...entered], limit);
}
