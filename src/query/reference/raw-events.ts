// `export` (raw events, not deduplicated) and `stream/query` (users' activity, deduplicated):
// events as `{"event", "properties"}` in time order (ties in ingestion order), `time` in whole
// seconds (floored) or, for export with time_in_ms, in milliseconds (rounded). Properties are as
// sent, `distinct_id` included; nothing else is added.

import type { Value } from "../../expr/value.js";
import type { ExportParams, StreamParams } from "../params-raw.js";
import { daysSpan } from "../time-buckets.js";
import type { Dataset, StoredEvent } from "./dataset.js";
import { passes } from "./expressions.js";
import { userOf } from "./identity.js";
import { prepare, prepareWithDuplicates } from "./query-events.js";
import { type Keyed, keyed } from "./reply-object.js";

export interface EventRecord {
  readonly event: string;
  readonly properties: Keyed<Value>;
}

function recordOf(stored: StoredEvent, time: number): EventRecord {
  const properties = keyed(Object.entries(stored.properties));
  properties.time = time;
  return { event: stored.event, properties };
}

/**
 * Every stored copy counts (raw export is not deduplicated); the `where` sees each copy's own
 * properties. `limit` keeps the earliest events.
 */
export function exportEvents(dataset: Dataset, params: ExportParams): EventRecord[] {
  const span = daysSpan(params.period.from, params.period.to, dataset.timeZone);
  const wanted = params.events === undefined ? undefined : new Set(params.events);
  const { events, ctx } = prepareWithDuplicates(dataset);
  const copies = events.filter(
    (e) =>
      e.time >= span.start &&
      e.time < span.end &&
      (wanted === undefined || wanted.has(e.name)) &&
      passes(params.where, e, ctx),
  );
  const kept = params.limit === undefined ? copies : copies.slice(0, params.limit);
  return kept.map((e) =>
    recordOf(e.stored, params.timeInMs ? Math.round(e.time * 1000) : Math.floor(e.time)),
  );
}

export interface StreamReply {
  readonly status: "ok";
  readonly results: { readonly events: readonly EventRecord[] };
}

/** The events of these users (each id through the alias map, so all of a person's ids) in the range. */
export function streamQuery(dataset: Dataset, params: StreamParams): StreamReply {
  const span = daysSpan(params.period.from, params.period.to, dataset.timeZone);
  const users = new Set<string>();
  for (const id of params.distinctIds) {
    const user = userOf(id, dataset.aliases);
    if (user !== null) users.add(user);
  }
  const events = prepare(dataset)
    .events.filter((e) => e.user !== null && users.has(e.user) && e.time >= span.start && e.time < span.end)
    .map((e) => recordOf(e.stored, Math.floor(e.time)));
  return { status: "ok", results: { events } };
}
