// `events/properties` (an event's series split by one property's values), `events/properties/top`
// (the property names an event carries most often) and `events/properties/values` (a property's
// most frequent values). Only events that carry the property count: an absent property is not a
// value here (unlike `on`, which names it "undefined"); a JSON null is the value "null".

import { compareCodePoints, readEventProperty, segmentKeys } from "../../expr/runtime.js";
import type { PropertyParams, PropertyValuesParams, TopPropertiesParams } from "../params.js";
import { bucketIndex } from "../time-buckets.js";
import { periodBuckets } from "./buckets.js";
import type { Dataset } from "./dataset.js";
import { last31Days } from "./events.js";
import { prepare, type QueryEvent } from "./query-events.js";
import { type Keyed, keyed } from "./reply-object.js";
import { type SeriesReply, SeriesTally, seriesReply, topSegments } from "./series.js";

/** The segment keys of a property on an event, or none when the event does not carry it. */
function propertyKeys(e: QueryEvent, name: string, timeZone: string): string[] {
  if (!Object.hasOwn(e.row.properties, name)) return [];
  return segmentKeys(readEventProperty(e.row.properties, name), timeZone);
}

/**
 * With `values`, exactly those values are listed, in the order given, zeros included; without,
 * the `limit` values with the largest totals.
 */
export function eventProperties(dataset: Dataset, params: PropertyParams): SeriesReply {
  const { events, ctx } = prepare(dataset);
  const buckets = periodBuckets(dataset, params.period, params.unit);
  const tally = new SeriesTally();
  for (const e of events) {
    if (e.name !== params.event) continue;
    const b = bucketIndex(buckets, e.time);
    if (b < 0) continue;
    for (const key of propertyKeys(e, params.name, ctx.timeZone)) tally.count(key, b, e.user);
  }
  const listed =
    params.values !== undefined
      ? [...new Set(params.values)]
      : topSegments(tally, buckets.labels.length, params.type, params.limit);
  return seriesReply(buckets.labels, tally, params.type, listed);
}

/** Carried by every event, so they say nothing about one. */
const ENVELOPE = new Set(["distinct_id", "time", "token", "$insert_id"]);

/** Counts in the last 31 days, by key, then the top `limit` (ties by key). */
function rankCounts(counts: ReadonlyMap<string, number>, limit: number): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0])).slice(0, limit);
}

function recentEventsNamed(dataset: Dataset, event: string): QueryEvent[] {
  const span = last31Days(dataset);
  return prepare(dataset).events.filter((e) => e.name === event && e.time >= span.start && e.time < span.end);
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Property names by how many of the event's occurrences carry them (envelope fields left out). */
export function eventPropertiesTop(dataset: Dataset, params: TopPropertiesParams): Keyed<{ count: number }> {
  const counts = new Map<string, number>();
  for (const e of recentEventsNamed(dataset, params.event)) {
    for (const name of Object.keys(e.stored.properties)) if (!ENVELOPE.has(name)) increment(counts, name);
  }
  return keyed(rankCounts(counts, params.limit).map(([name, count]) => [name, { count }] as const));
}

/** A property's values by how many of the event's occurrences have them, most frequent first. */
export function eventPropertyValues(dataset: Dataset, params: PropertyValuesParams): string[] {
  const counts = new Map<string, number>();
  for (const e of recentEventsNamed(dataset, params.event)) {
    for (const key of propertyKeys(e, params.name, dataset.timeZone)) increment(counts, key);
  }
  return rankCounts(counts, params.limit).map(([key]) => key);
}
