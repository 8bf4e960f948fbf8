// A query source over a reference Dataset (reference/dataset.ts): its events appended to an event
// store in a directory the caller owns, sealed in chunks so that a day's rows end up spread over
// sealed segments and write buffers, as they are on a live server. For differential tests and
// benchmarks: the engine over the store must answer what the reference answers over the Dataset.

import type { JsonObject, Value } from "../../expr/value.js";
import { EventStore } from "../../store/event-store.js";
import type { StoredEvent } from "../../store/stored-event.js";
import type { Dataset, StoredEvent as DatasetEvent } from "../reference/dataset.js";
import { EngineCache } from "./engine-cache.js";
import type { QuerySource } from "./source.js";

/** Lifted out of the properties at ingestion (src/process/stored-event-from-envelope.ts). */
const SYSTEM_FIELDS: ReadonlySet<string> = new Set(["distinct_id", "time", "$insert_id"]);

/** A Dataset event as the processor would store it: the id as sent kept only when it differs. */
export function storedEventOf(e: DatasetEvent): StoredEvent {
  const properties: Record<string, Value> = Object.create(null);
  for (const key of Object.keys(e.properties)) {
    if (!SYSTEM_FIELDS.has(key)) properties[key] = e.properties[key];
  }
  const sent = Object.hasOwn(e.properties, "distinct_id") ? e.properties.distinct_id : undefined;
  return {
    event: e.event,
    distinctId: e.distinctId,
    ...(typeof sent === "string" && sent !== e.distinctId ? { originalDistinctId: sent } : {}),
    time: e.time,
    insertId: e.insertId,
    properties: properties as JsonObject,
    offset: e.offset,
  };
}

export interface DatasetStoreOptions {
  readonly projectId?: number;
  /** Sorted indexes (into the events in offset order) after which every buffer is sealed. */
  readonly sealAfter?: readonly number[];
  /** Merge the sealed segments of each day once loaded. */
  readonly compact?: boolean;
  readonly cache?: EngineCache;
}

export interface DatasetSource {
  readonly source: QuerySource;
  readonly store: EventStore;
  close(): Promise<void>;
}

/** Loads `dataset` into a new store in `dir`; events after the last seal point stay in write buffers. */
export async function datasetSource(
  dataset: Dataset,
  dir: string,
  options: DatasetStoreOptions = {},
): Promise<DatasetSource> {
  const projectId = options.projectId ?? 1;
  const store = await EventStore.open(dir, { sealInWorker: false, maintenanceIntervalMs: 0 });
  const events = [...dataset.events].sort((a, b) => a.offset - b.offset).map(storedEventOf);
  let from = 0;
  for (const at of options.sealAfter ?? []) {
    if (at > from) await store.append(projectId, dataset.timeZone, events.slice(from, at));
    await store.sealAll();
    from = Math.max(from, at);
  }
  if (options.compact === true) await store.compact();
  if (from < events.length) await store.append(projectId, dataset.timeZone, events.slice(from));
  const source: QuerySource = {
    snapshot: (fromDay, toDay) => store.partitions(projectId, fromDay, toDay),
    aliases: dataset.aliases,
    profiles: (id) => dataset.profiles.get(id),
    timeZone: dataset.timeZone,
    now: dataset.now,
    cache: options.cache ?? new EngineCache(),
  };
  return { source, store, close: () => store.close() };
}
