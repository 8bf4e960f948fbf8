// What the engine reads a query from: a project's partitions at one moment, the identity and
// profile state at query time, the project's zone and NOW, and the cache kept between queries.

import type { JsonObject } from "../../expr/value.js";
import type { EventStore, StoreSnapshot } from "../../store/event-store.js";
import type { EngineCache } from "./engine-cache.js";
import { type EngineLimits, limitsOf } from "./limits.js";
import { QueryMemory } from "./query-memory.js";
import type { ScanPool } from "./scan-pool.js";

/** The profile of a canonical user, or undefined when there is none; read synchronously while scanning. */
export type ProfileLookup = (canonicalId: string) => JsonObject | undefined;

export interface QuerySource {
  /** The project's partitions from `fromDay` to `toDay` ("YYYY-MM-DD", inclusive); the engine releases it. */
  snapshot(fromDay: string, toDay: string): StoreSnapshot;
  /** Any id to its canonical id at query time. Passing the same Map object while it is current lets the cache keep user numbers. */
  readonly aliases: ReadonlyMap<string, string>;
  readonly profiles: ProfileLookup;
  /** The project's zone: the one its events were appended with, so partition days are its days. */
  readonly timeZone: string;
  /** The query's start, Unix seconds: `NOW` in expressions, "today" for events/top. */
  readonly now: number;
  /** Kept between queries of the project; sealed segments' columns are decoded once. */
  readonly cache: EngineCache;
  /** Checked between batches: an aborted query stops with the signal's reason. */
  readonly signal?: AbortSignal;
  readonly limits?: Partial<EngineLimits>;
  /** Threads that decode the sealed segments a cold query reads; none: it decodes on this thread. */
  readonly workers?: ScanPool;
  /** The query's memory account, charging the server's pool; none: one of its own, with no pool. */
  readonly memory?: QueryMemory;
}

export interface StoreSourceOptions {
  readonly aliases: ReadonlyMap<string, string>;
  readonly profiles: ProfileLookup;
  readonly timeZone: string;
  readonly now: number;
  readonly cache: EngineCache;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<EngineLimits>;
  readonly workers?: ScanPool;
  readonly memory?: QueryMemory;
}

/** A source over one project of an event store. */
export function storeSource(store: EventStore, projectId: number, options: StoreSourceOptions): QuerySource {
  return { ...options, snapshot: (fromDay, toDay) => store.partitions(projectId, fromDay, toDay) };
}

/**
 * The query's memory account: the source's (the server gives every query one, and releases it), or
 * else a new one for each caller, with no pool: a source used for many queries (tests, benchmarks)
 * then holds each structure to the bound on its own, and nothing adds up from query to query.
 */
export function queryMemoryOf(source: QuerySource): QueryMemory {
  return source.memory ?? new QueryMemory(limitsOf(source.limits).maxQueryBytes);
}
