// An event as ingest queued it → an event as the store keeps it: the identity resolved, the system
// fields (distinct_id, time, $insert_id) lifted out into their own columns, everything else as sent.

import type { JsonObject, Value } from "../expr/value.js";
import type { EventEnvelope } from "../queue/envelope.js";
import type { StoredEvent } from "../store/stored-event.js";

const SYSTEM_FIELDS: ReadonlySet<string> = new Set(["distinct_id", "time", "$insert_id"]);

function otherProperties(props: Readonly<Record<string, unknown>>): JsonObject {
  const out: Record<string, Value> = Object.create(null);
  for (const key of Object.keys(props)) {
    if (!SYSTEM_FIELDS.has(key)) out[key] = props[key] as Value;
  }
  return out;
}

export function toStoredEvent(
  envelope: EventEnvelope,
  offset: number,
  resolved: ReadonlyMap<string, string> | undefined,
): StoredEvent {
  const props = envelope.record.properties;
  const sent = props.distinct_id ?? "";
  const distinctId = resolved?.get(sent) ?? sent;
  return {
    event: envelope.record.event,
    distinctId,
    ...(distinctId !== sent ? { originalDistinctId: sent } : {}),
    time: props.time,
    insertId: envelope.insertIdGenerated ? null : props.$insert_id,
    properties: otherProperties(props),
    offset,
  };
}
