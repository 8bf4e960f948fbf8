// The three events that change identity (spec/ingestion.md, Identity), turned into AliasStore calls.
// Ingest has checked that each carries the properties it needs; a record that still lacks them is
// left alone here rather than guessed at.

import type { EventEnvelope } from "../queue/envelope.js";
import type { AliasStore, IdentityResult } from "./alias-store.js";

const IDENTITY_EVENTS: ReadonlySet<string> = new Set(["$create_alias", "$identify", "$merge"]);

export function isIdentityEvent(envelope: EventEnvelope): boolean {
  return IDENTITY_EVENTS.has(envelope.record.event);
}

function stringProperty(props: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (!Object.hasOwn(props, name)) return undefined;
  const value = props[name];
  if (typeof value === "string" && value !== "") return value;
  return typeof value === "number" ? String(value) : undefined;
}

/** Applies one identity event; undefined when the event lacks what it needs. */
export function applyIdentityEvent(
  aliases: AliasStore,
  envelope: EventEnvelope,
): Promise<IdentityResult> | undefined {
  const { projectId } = envelope;
  const props = envelope.record.properties;
  const distinctId = stringProperty(props, "distinct_id");
  switch (envelope.record.event) {
    case "$create_alias": {
      const alias = stringProperty(props, "alias");
      if (distinctId === undefined || alias === undefined) return undefined;
      return aliases.createAlias(projectId, alias, distinctId);
    }
    case "$identify": {
      const anon = stringProperty(props, "$anon_distinct_id") ?? stringProperty(props, "$anon_id");
      if (distinctId === undefined || anon === undefined) return undefined;
      return aliases.identify(projectId, distinctId, anon);
    }
    case "$merge": {
      const ids = Object.hasOwn(props, "$distinct_ids") ? props.$distinct_ids : undefined;
      if (!Array.isArray(ids) || ids.length !== 2) return undefined;
      const [a, b] = ids.map((x) => (typeof x === "number" ? String(x) : x));
      if (typeof a !== "string" || typeof b !== "string") return undefined;
      return aliases.merge(projectId, a, b);
    }
    default:
      return undefined;
  }
}
