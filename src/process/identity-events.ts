// The three events that change identity (spec/ingestion.md, Identity), turned into AliasStore requests.
// Ingest has checked that each carries the properties it needs; a record that still lacks them is
// left alone here rather than guessed at.

import { type EventEnvelope, IDENTITY_EVENTS } from "../queue/envelope.js";
import type { IdentityRequest } from "./alias-store.js";

export function isIdentityEvent(envelope: EventEnvelope): boolean {
  return IDENTITY_EVENTS.has(envelope.record.event);
}

function stringProperty(props: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (!Object.hasOwn(props, name)) return undefined;
  const value = props[name];
  if (typeof value === "string" && value !== "") return value;
  return typeof value === "number" ? String(value) : undefined;
}

/** The alias map request an identity event makes; undefined when the event lacks what it needs. */
export function identityRequest(envelope: EventEnvelope): IdentityRequest | undefined {
  const props = envelope.record.properties;
  const distinctId = stringProperty(props, "distinct_id");
  switch (envelope.record.event) {
    case "$create_alias": {
      const alias = stringProperty(props, "alias");
      if (distinctId === undefined || alias === undefined) return undefined;
      return { kind: "alias", alias, distinctId };
    }
    case "$identify": {
      const anonId = stringProperty(props, "$anon_distinct_id") ?? stringProperty(props, "$anon_id");
      if (distinctId === undefined || anonId === undefined) return undefined;
      return { kind: "identify", identifiedId: distinctId, anonId };
    }
    case "$merge": {
      const ids = Object.hasOwn(props, "$distinct_ids") ? props.$distinct_ids : undefined;
      if (!Array.isArray(ids) || ids.length !== 2) return undefined;
      const [a, b] = ids.map((x) => (typeof x === "number" ? String(x) : x));
      if (typeof a !== "string" || typeof b !== "string") return undefined;
      return { kind: "merge", a, b };
    }
    default:
      return undefined;
  }
}
