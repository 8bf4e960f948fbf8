// Small hand-made data sets for the reference tests: events in the order written (offsets count up),
// times given as ISO strings in UTC.

import type { JsonObject } from "../../src/expr/value.js";
import type { Dataset, StoredEvent } from "../../src/query/reference/dataset.js";

export const at = (iso: string): number => Date.parse(iso) / 1000;

export interface EventSpec {
  readonly event: string;
  readonly user: string;
  readonly time: string;
  readonly props?: JsonObject;
  readonly insertId?: string;
}

export function storedEvents(specs: readonly EventSpec[]): StoredEvent[] {
  return specs.map((s, i) => ({
    event: s.event,
    distinctId: s.user,
    time: at(s.time),
    insertId: s.insertId ?? null,
    properties: { distinct_id: s.user, time: at(s.time), ...s.props },
    offset: i + 1,
  }));
}

export interface DatasetOptions {
  readonly aliases?: Record<string, string>;
  readonly profiles?: Record<string, JsonObject>;
  readonly timeZone?: string;
  readonly now?: string;
}

export function datasetOf(specs: readonly EventSpec[], options: DatasetOptions = {}): Dataset {
  return {
    events: storedEvents(specs),
    aliases: new Map(Object.entries(options.aliases ?? {})),
    profiles: new Map(Object.entries(options.profiles ?? {})),
    timeZone: options.timeZone ?? "UTC",
    now: at(options.now ?? "2024-01-31T12:00:00Z"),
  };
}

export function query(params: Record<string, string>): URLSearchParams {
  return new URLSearchParams(params);
}

/** A reply as a client sees it: through JSON, so prototypes and key order do not matter. */
export function asJson(reply: unknown): unknown {
  return JSON.parse(JSON.stringify(reply));
}
