// Duplicate events count once (spec/ingestion.md): events that share event name, distinct id as
// sent, time to the second and a client-sent $insert_id are one event, and the latest ingested copy
// (largest offset) is the one every query sees. Events whose $insert_id the server generated are
// never duplicates of anything. The id as sent, not as stored: a copy sent again after an
// $identify carries the same id, but ingestion files it under the person.

import type { StoredEvent } from "./dataset.js";

export function withoutDuplicates(events: readonly StoredEvent[]): StoredEvent[] {
  const latest = new Map<string, StoredEvent>();
  const kept: StoredEvent[] = [];
  for (const e of events) {
    if (e.insertId === null) {
      kept.push(e);
      continue;
    }
    // JSON of the tuple: unambiguous whatever characters the parts hold.
    const key = JSON.stringify([e.event, sentId(e), Math.floor(e.time), e.insertId]);
    const seen = latest.get(key);
    if (seen === undefined || e.offset > seen.offset) latest.set(key, e);
  }
  for (const e of latest.values()) kept.push(e); // a spread would overflow the stack past ~100k events
  return kept;
}

/** The id the event was sent with: a string `distinct_id` among its properties, else the stored one. */
function sentId(e: StoredEvent): string {
  const sent = e.properties.distinct_id;
  return typeof sent === "string" ? sent : e.distinctId;
}
