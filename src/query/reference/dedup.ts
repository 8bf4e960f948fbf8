// Duplicate events count once (spec/ingestion.md): events that share event name, stored distinct
// id, time to the second and a client-sent $insert_id are one event, and the latest ingested copy
// (largest offset) is the one every query sees. Events whose $insert_id the server generated are
// never duplicates of anything.

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
    const key = JSON.stringify([e.event, e.distinctId, Math.floor(e.time), e.insertId]);
    const seen = latest.get(key);
    if (seen === undefined || e.offset > seen.offset) latest.set(key, e);
  }
  for (const e of latest.values()) kept.push(e); // a spread would overflow the stack past ~100k events
  return kept;
}
