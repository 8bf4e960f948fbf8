// The query engine's endpoints behind the HTTP edge: each request gets a query source over the
// project's store, the current alias map and the profile store, and the engine cache shared by all
// queries of this process.

import type { JsonObject } from "../expr/value.js";
import type { AliasSnapshots } from "../process/alias-snapshots.js";
import type { SqliteProfileStore } from "../process/profile-sqlite-store.js";
import type { Project } from "../projects/project.js";
import type { EngineEndpoint } from "../query/engine/endpoints.js";
import { EngineCache } from "../query/engine/engine-cache.js";
import { DEFAULT_ENGINE_LIMITS } from "../query/engine/limits.js";
import {
  defaultMemoryPool,
  MemoryBusyError,
  type MemoryPool,
  QueryMemory,
} from "../query/engine/query-memory.js";
import type { ScanPool } from "../query/engine/scan-pool.js";
import { type ProfileLookup, storeSource } from "../query/engine/source.js";
import { aliasFingerprint, type ResultCache, resultKey } from "../query/result-cache.js";
import { formatDay, localDay } from "../query/time-buckets.js";
import type { EventStore } from "../store/event-store.js";
import { HttpError, type QueryEndpoint, type QueryRequest } from "./query-api.js";

export interface EngineServices {
  readonly store: EventStore;
  readonly aliasSnapshots: AliasSnapshots;
  readonly profiles: SqliteProfileStore;
  /** Shared by every project: keys name segment files, which belong to one project each. */
  readonly cache?: EngineCache;
  /** Threads that decode the sealed segments of cold queries; none: queries decode on this thread. */
  readonly workers?: ScanPool;
  /** Replies of queries over closed days. */
  readonly results?: ResultCache;
  /** Told of every lookup in `results`. */
  readonly onResultLookup?: (hit: boolean) => void;
  /** What the queries running at once may hold together; default defaultMemoryPool(). */
  readonly memory?: MemoryPool;
}

/** Endpoints whose answer reads days after to_date (conversion windows, returns). */
const READS_PAST_RANGE: ReadonlySet<string> = new Set(["funnels", "retention", "retention/addiction"]);
/** Endpoints whose days are counted back from NOW whatever dates they are given: never cached. */
const FROM_NOW: ReadonlySet<string> = new Set([
  "events/top",
  "events/names",
  "events/properties/top",
  "events/properties/values",
]);
const RESULT_TTL_SECONDS = 3600;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** `user[…]` as the parser reads it, space before the bracket included; a false match only skips the cache. */
const READS_PROFILES = /\buser\s*\[/;

/**
 * The days a cacheable query reads, or undefined when it must not be cached: a range that is not
 * closed (it reaches today), a relative period, or an expression whose value moves with time (NOW)
 * or with profiles (user[…]), which the data version does not cover.
 */
export function cacheableDays(
  name: string,
  params: URLSearchParams,
  project: Project,
): [string, string] | undefined {
  const from = params.get("from_date");
  const to = params.get("to_date");
  if (from === null || to === null || !DAY.test(from) || !DAY.test(to)) return undefined;
  const today = formatDay(localDay(Date.now() / 1000, project.timeZone));
  if (to >= today || FROM_NOW.has(name)) return undefined;
  for (const [, value] of params) {
    for (const text of textsOf(value))
      if (text.includes("NOW") || READS_PROFILES.test(text)) return undefined;
  }
  return [from, READS_PAST_RANGE.has(name) ? "9999-12-31" : to];
}

/**
 * A parameter's text, and when it is JSON (a funnel's `events` with their selectors) every string
 * in it as decoded: `\u0075ser[…]` in JSON is `user[…]` to the expression it holds.
 */
function textsOf(value: string): string[] {
  const texts = [value];
  if (!value.includes("\\")) return texts;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return texts;
  }
  const walk = (v: unknown): void => {
    if (typeof v === "string") texts.push(v);
    else if (Array.isArray(v)) for (const item of v) walk(item);
    else if (typeof v === "object" && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        texts.push(key);
        walk(item);
      }
    }
  };
  walk(parsed);
  return texts;
}

/** A project's profiles as expressions read them (`user[…]`), by canonical id. */
export function profileLookup(profiles: SqliteProfileStore, projectId: number): ProfileLookup {
  return (id) => profiles.getNow(projectId, id)?.properties as JsonObject | undefined;
}

function engineEndpoint(
  services: EngineServices,
  shared: { readonly cache: EngineCache; readonly pool: MemoryPool },
  name: string,
  run: EngineEndpoint,
): QueryEndpoint {
  const compute = async ({ project, params, signal }: QueryRequest, aliases: ReadonlyMap<string, string>) => {
    const memory = new QueryMemory(DEFAULT_ENGINE_LIMITS.maxQueryBytes, shared.pool);
    const source = storeSource(services.store, project.id, {
      aliases,
      profiles: profileLookup(services.profiles, project.id),
      timeZone: project.timeZone,
      now: Math.floor(Date.now() / 1000),
      cache: shared.cache,
      signal,
      workers: services.workers,
      memory,
    });
    try {
      return await run(source, params);
    } catch (error) {
      throw error instanceof MemoryBusyError ? new HttpError(503, error.message) : error;
    } finally {
      memory.release();
    }
  };
  return async (request: QueryRequest) => {
    const aliases = await services.aliasSnapshots.snapshot(request.project.id);
    const days = services.results && cacheableDays(name, request.params, request.project);
    if (services.results === undefined || days === undefined) {
      return { kind: "json", body: await compute(request, aliases) };
    }
    const key = resultKey({
      projectId: request.project.id,
      endpoint: name,
      params: request.params,
      dataVersion: services.store.dataVersion(request.project.id, days[0], days[1]),
      aliasVersion: aliasFingerprint(aliases),
    });
    const cached = await services.results.get(key);
    services.onResultLookup?.(cached !== undefined);
    if (cached !== undefined) return { kind: "json-text", text: cached };
    const text = JSON.stringify(await compute(request, aliases));
    await services.results.set(key, text, RESULT_TTL_SECONDS);
    return { kind: "json-text", text };
  };
}

export function engineEndpoints(
  services: EngineServices,
  endpoints: ReadonlyMap<string, EngineEndpoint>,
): Map<string, QueryEndpoint> {
  const shared = { cache: services.cache ?? new EngineCache(), pool: services.memory ?? defaultMemoryPool() };
  const out = new Map<string, QueryEndpoint>();
  for (const [name, run] of endpoints) out.set(name, engineEndpoint(services, shared, name, run));
  return out;
}
