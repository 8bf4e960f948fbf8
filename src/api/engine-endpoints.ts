// The query engine's endpoints behind the HTTP edge: each request gets a query source over the
// project's store, the current alias map and the profile store, and the engine cache shared by all
// queries of this process.

import type { JsonObject } from "../expr/value.js";
import type { AliasSnapshots } from "../process/alias-snapshots.js";
import type { SqliteProfileStore } from "../process/profile-sqlite-store.js";
import type { EngineEndpoint } from "../query/engine/endpoints.js";
import { EngineCache } from "../query/engine/engine-cache.js";
import { storeSource } from "../query/engine/source.js";
import type { EventStore } from "../store/event-store.js";
import type { QueryEndpoint, QueryRequest } from "./query-api.js";

export interface EngineServices {
  readonly store: EventStore;
  readonly aliasSnapshots: AliasSnapshots;
  readonly profiles: SqliteProfileStore;
  /** Shared by every project: keys name segment files, which belong to one project each. */
  readonly cache?: EngineCache;
}

function engineEndpoint(services: EngineServices, cache: EngineCache, run: EngineEndpoint): QueryEndpoint {
  return async ({ project, params, signal }: QueryRequest) => {
    const source = storeSource(services.store, project.id, {
      aliases: await services.aliasSnapshots.snapshot(project.id),
      profiles: (id) => services.profiles.getNow(project.id, id)?.properties as JsonObject | undefined,
      timeZone: project.timeZone,
      now: Math.floor(Date.now() / 1000),
      cache,
      signal,
    });
    return { kind: "json", body: await run(source, params) };
  };
}

export function engineEndpoints(
  services: EngineServices,
  endpoints: ReadonlyMap<string, EngineEndpoint>,
): Map<string, QueryEndpoint> {
  const cache = services.cache ?? new EngineCache();
  const out = new Map<string, QueryEndpoint>();
  for (const [name, run] of endpoints) out.set(name, engineEndpoint(services, cache, run));
  return out;
}
