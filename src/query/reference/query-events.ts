// The events every query endpoint starts from: duplicates dropped, each event's user resolved, its
// row made ready for expressions, and all of them in time order (ties in ingestion order).

import type { EvalContext, EventRow, JsonObject } from "../../expr/value.js";
import type { Dataset, StoredEvent } from "./dataset.js";
import { withoutDuplicates } from "./dedup.js";
import { userOf } from "./identity.js";

export interface QueryEvent {
  readonly name: string;
  /** Canonical user at query time, or null for an id that means "no user". */
  readonly user: string | null;
  /** Unix seconds, millisecond precision. */
  readonly time: number;
  readonly offset: number;
  /** What `where`, `on` and selectors read. */
  readonly row: EventRow;
  readonly stored: StoredEvent;
}

export interface QueryData {
  /** Deduplicated, ordered by (time, offset). */
  readonly events: readonly QueryEvent[];
  readonly ctx: EvalContext;
}

export function prepare(dataset: Dataset): QueryData {
  const events = withoutDuplicates(dataset.events).map((stored) => toQueryEvent(stored, dataset));
  events.sort(byTime);
  return { events, ctx: contextOf(dataset) };
}

/** Every stored copy, duplicates included (raw export), in time order. */
export function prepareWithDuplicates(dataset: Dataset): QueryData {
  const events = dataset.events.map((stored) => toQueryEvent(stored, dataset));
  events.sort(byTime);
  return { events, ctx: contextOf(dataset) };
}

export function contextOf(dataset: Dataset): EvalContext {
  return { now: dataset.now, timeZone: dataset.timeZone };
}

export function byTime(a: { time: number; offset: number }, b: { time: number; offset: number }): number {
  return a.time - b.time || a.offset - b.offset;
}

function toQueryEvent(stored: StoredEvent, dataset: Dataset): QueryEvent {
  const user = userOf(stored.distinctId, dataset.aliases);
  return {
    name: stored.event,
    user,
    time: stored.time,
    offset: stored.offset,
    row: { properties: rowProperties(stored), user: user === null ? undefined : dataset.profiles.get(user) },
    stored,
  };
}

/**
 * The properties as sent, with `time` as the stored seconds (it may have been sent in milliseconds
 * or be missing), so that `properties["time"]` reads the event's datetime. Spreading copies
 * `__proto__` as an own key like any other.
 */
function rowProperties(stored: StoredEvent): JsonObject {
  return { ...stored.properties, time: stored.time };
}

/** The events of each user, in time order; events of no user are left out. */
export function eventsByUser(events: readonly QueryEvent[]): Map<string, QueryEvent[]> {
  const byUser = new Map<string, QueryEvent[]>();
  for (const e of events) {
    if (e.user === null) continue;
    let list = byUser.get(e.user);
    if (list === undefined) {
      list = [];
      byUser.set(e.user, list);
    }
    list.push(e);
  }
  return byUser;
}
