// `events` (several events' series), `events/top` (today against yesterday) and `events/names`
// (the most frequent events of the last 31 days); the same contracts as reference/events.ts.

import { compareCodePoints } from "../../expr/runtime.js";
import type { AggregateType, EventsParams, RankedEventsParams } from "../params.js";
import type { TopEventsReply } from "../reference/events.js";
import { daysSpan, localDay, spanOf, type TimeBuckets } from "../time-buckets.js";
import { limitsOf } from "./limits.js";
import { periodBuckets, spanBuckets } from "./period-buckets.js";
import { QueryEvents } from "./query-events.js";
import { scan } from "./scan.js";
import type { SeriesCounts } from "./series-counts.js";
import { checkSeriesReply, type SeriesReply, seriesReply } from "./series-reply.js";
import { SeriesSink } from "./series-sink.js";
import { type QuerySource, queryMemoryOf } from "./source.js";

export type { TopEvent, TopEventsReply } from "../reference/events.js";

export async function events(source: QuerySource, params: EventsParams): Promise<SeriesReply> {
  const buckets = periodBuckets(source, params.period, params.unit);
  // Every name asked for is listed in every bucket: the reply's size is known before any data.
  checkSeriesReply(params.events, buckets.labels, limitsOf(source.limits));
  const wanted = new QueryEvents(params.events);
  const counts = await countByEvent(source, buckets, wanted, params.type);
  // Every event asked for is listed, in the order asked, zeros included.
  const number = new Map(params.events.map((name, i) => [name, i]));
  return seriesReply(buckets.labels, counts, params.type, params.events, (name) => number.get(name));
}

/** Counts per event number of `events` and bucket. */
async function countByEvent(
  source: QuerySource,
  buckets: TimeBuckets,
  events: QueryEvents,
  type: AggregateType,
): Promise<SeriesCounts> {
  const sink = new SeriesSink(
    buckets.labels.length,
    type,
    "event",
    limitsOf(source.limits),
    queryMemoryOf(source),
  );
  await scan(source, { buckets, events, where: undefined, users: type !== "general" }, sink);
  return sink.counts;
}

/**
 * Events with an amount above 0 today (the project's calendar day holding `now`), largest first,
 * ties by name; `percent_change` compares with yesterday's amount.
 */
export async function eventsTop(source: QuerySource, params: RankedEventsParams): Promise<TopEventsReply> {
  const today = localDay(source.now, source.timeZone);
  const buckets = spanBuckets([
    daysSpan(today - 1, today - 1, source.timeZone),
    daysSpan(today, today, source.timeZone),
  ]);
  const every = new QueryEvents(null);
  const counts = await countByEvent(source, buckets, every, params.type);
  const top = every.names
    .map((event, n) => ({
      event,
      amount: counts.value(n, 1, params.type),
      before: counts.value(n, 0, params.type),
    }))
    .filter((e) => e.amount !== 0)
    .map(({ event, amount, before }) => ({
      amount,
      event,
      percent_change: before === 0 ? 0 : (amount - before) / before,
    }));
  top.sort((a, b) => b.amount - a.amount || compareCodePoints(a.event, b.event));
  return { events: top.slice(0, params.limit), type: params.type };
}

/** The last 31 days: today in the project's zone and the 30 before it. */
export function last31Days(source: QuerySource): TimeBuckets {
  return spanBuckets([spanOf({ kind: "last", units: 31 }, "day", source.now, source.timeZone)]);
}

/** Every event name done in the last 31 days, by amount of `type` over them, ties by name. */
export async function eventsNames(source: QuerySource, params: RankedEventsParams): Promise<string[]> {
  const every = new QueryEvents(null);
  const counts = await countByEvent(source, last31Days(source), every, params.type);
  return every.names
    .map((name, n) => ({ name, n }))
    .filter(({ n }) => counts.value(n, 0, "general") > 0)
    .map(({ name, n }) => ({ name, amount: counts.value(n, 0, params.type) }))
    .sort((a, b) => b.amount - a.amount || compareCodePoints(a.name, b.name))
    .slice(0, params.limit)
    .map((x) => x.name);
}
