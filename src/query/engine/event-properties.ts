// `events/properties` (an event's series split by one property's values), `events/properties/top`
// (the property names an event carries most often) and `events/properties/values` (a property's
// most frequent values); the same contracts as reference/event-properties.ts. Only events that
// carry the property count: an absent property is no segment here (unlike `on`).

import { compile } from "../../expr/compile.js";
import { compareCodePoints } from "../../expr/runtime.js";
import type { PropertyParams, PropertyValuesParams, TopPropertiesParams } from "../params.js";
import type { TimeBuckets } from "../time-buckets.js";
import { propertyNode } from "./column-read.js";
import { last31Days } from "./events.js";
import { limitsOf } from "./limits.js";
import { periodBuckets } from "./period-buckets.js";
import { QueryEvents } from "./query-events.js";
import { evalContextOf, type KeptRows, scan } from "./scan.js";
import { SegmentIds } from "./segment-ids.js";
import { ValueSegmenter } from "./segmenter.js";
import type { SeriesCounts } from "./series-counts.js";
import { checkSeriesReply, type SeriesReply, seriesReply, topSegments } from "./series-reply.js";
import { SeriesSink } from "./series-sink.js";
import { type QuerySource, queryMemoryOf } from "./source.js";

interface PropertyCounts {
  readonly ids: SegmentIds;
  readonly counts: SeriesCounts;
}

/** Counts an event's occurrences by the values of one property. */
async function countByValue(
  source: QuerySource,
  event: string,
  name: string,
  buckets: TimeBuckets,
  type: PropertyParams["type"],
): Promise<PropertyCounts> {
  const limits = limitsOf(source.limits);
  const ids = new SegmentIds(limits.maxSegments, limits.maxSegmentChars);
  const read = compile(propertyNode(name), evalContextOf(source));
  const segments = new ValueSegmenter(read, ids, { absentIsSegment: false, timeZone: source.timeZone });
  const sink = new SeriesSink(buckets.labels.length, type, segments, limits, queryMemoryOf(source));
  const events = new QueryEvents([event]);
  const reads = { properties: [name] };
  await scan(source, { buckets, events, where: undefined, users: type !== "general", reads }, sink);
  return { ids, counts: sink.counts };
}

/**
 * With `values`, exactly those values are listed, in the order given, zeros included; without,
 * the `limit` values with the largest totals.
 */
export async function eventProperties(source: QuerySource, params: PropertyParams): Promise<SeriesReply> {
  const buckets = periodBuckets(source, params.period, params.unit);
  if (params.values !== undefined) {
    checkSeriesReply(params.values, buckets.labels, limitsOf(source.limits));
  }
  const { ids, counts } = await countByValue(source, params.event, params.name, buckets, params.type);
  const listed =
    params.values !== undefined
      ? [...new Set(params.values)]
      : topSegments(ids.names, counts, params.type, params.limit);
  return seriesReply(buckets.labels, counts, params.type, listed, (name) => ids.find(name));
}

/** Counts by key, then the top `limit` (ties by key). */
function rankCounts(counts: Iterable<readonly [string, number]>, limit: number): [string, number][] {
  return [...counts]
    .map(([key, n]): [string, number] => [key, n])
    .sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]))
    .slice(0, limit);
}

/** Carried by every event, so they say nothing about one. */
const ENVELOPE = new Set(["distinct_id", "time", "token", "$insert_id"]);

/** Property names by how many of the event's occurrences carry them (envelope fields left out). */
export async function eventPropertiesTop(
  source: QuerySource,
  params: TopPropertiesParams,
): Promise<Record<string, { count: number }>> {
  const counts = new Map<string, number>();
  const take = (kept: KeptRows): void => {
    // Rows of one shape share a key order: count rows per order, then names per order.
    const { codes, orders } = kept.batch.keyOrders;
    const perOrder = new Float64Array(orders.length);
    for (let k = 0; k < kept.count; k++) perOrder[codes[kept.rows[k]]]++;
    for (let o = 0; o < orders.length; o++) {
      if (perOrder[o] === 0) continue;
      for (const name of orders[o]) {
        if (!ENVELOPE.has(name)) counts.set(name, (counts.get(name) ?? 0) + perOrder[o]);
      }
    }
  };
  const events = new QueryEvents([params.event]);
  await scan(
    source,
    { buckets: last31Days(source), events, where: undefined, users: false, reads: { keyOrders: true } },
    { begin: () => {}, take },
  );
  const out: Record<string, { count: number }> = Object.create(null);
  for (const [name, count] of rankCounts(counts, params.limit)) out[name] = { count };
  return out;
}

/** A property's values by how many of the event's occurrences have them, most frequent first. */
export async function eventPropertyValues(
  source: QuerySource,
  params: PropertyValuesParams,
): Promise<string[]> {
  const { ids, counts } = await countByValue(
    source,
    params.event,
    params.name,
    last31Days(source),
    "general",
  );
  return rankCounts(
    ids.names.map((key, id) => [key, counts.value(id, 0, "general")] as const),
    params.limit,
  ).map(([key]) => key);
}
