// Tally's side of the benchmark behind one interface: the fast engine over the cached store (the
// figures), or the reference implementation over row objects (the small data set, to check that
// the baseline's SQL asks what Tally's queries ask).

import { ENGINE_ENDPOINTS } from "../src/query/engine/endpoints.js";
import { EngineCache } from "../src/query/engine/engine-cache.js";
import { ScanPool } from "../src/query/engine/scan-pool.js";
import { type QuerySource, storeSource } from "../src/query/engine/source.js";
import { parseSegmentationParams } from "../src/query/params.js";
import { parseFunnelParams } from "../src/query/params-funnel.js";
import { parseRetentionParams } from "../src/query/params-retention.js";
import type { Dataset } from "../src/query/reference/dataset.js";
import { funnels } from "../src/query/reference/funnels.js";
import { retention } from "../src/query/reference/retention.js";
import { segmentation } from "../src/query/reference/segmentation.js";
import { EventStore } from "../src/store/event-store.js";
import { PROJECT_ID } from "./query-dataset.js";
import type { BenchQuery } from "./query-queries.js";

export interface TallySide {
  readonly name: string;
  /** Whether this side answers the query's endpoint yet (the engine's may be pending). */
  answers(query: BenchQuery): boolean;
  /** The reply, exactly as the endpoint returns it. */
  run(query: BenchQuery): Promise<unknown>;
  /** The next run starts with nothing cached between queries: a cold run. */
  dropCache(): void;
  /** What the cache between queries holds, and how many entries it has loaded since dropCache. */
  cacheState(): { bytes: number; loads: number } | null;
  close(): Promise<void>;
}

export function referenceSide(dataset: Dataset): TallySide {
  return {
    name: "reference",
    answers: () => true,
    async run(query) {
      if (query.kind === "series") return segmentation(dataset, parseSegmentationParams(query.params));
      if (query.kind === "funnel") return funnels(dataset, parseFunnelParams(query.params));
      return retention(dataset, parseRetentionParams(query.params));
    },
    dropCache() {},
    cacheState: () => null,
    close: async () => {},
  };
}

/**
 * The engine over the store in `storeDir`, as a query node runs it: one cache for the project,
 * bounded by `cacheBytes` (undefined: the engine's default), and `workers` scan threads (0: none).
 */
export async function engineSide(
  storeDir: string,
  now: number,
  cacheBytes: number | undefined,
  workers: number,
): Promise<TallySide> {
  const store = await EventStore.open(storeDir, { maintenanceIntervalMs: 0 });
  const pool = workers > 0 ? new ScanPool({ size: workers }) : undefined;
  const newCache = () => new EngineCache({ maxBytes: cacheBytes });
  let cache = newCache();
  // One alias map object for every query, as the cache expects while identity does not change.
  const aliases = new Map<string, string>();
  const source = (): QuerySource =>
    storeSource(store, PROJECT_ID, {
      aliases,
      profiles: () => undefined,
      timeZone: "UTC",
      now,
      cache,
      workers: pool,
    });
  return {
    name: workers > 0 ? "engine-workers" : "engine",
    answers: (query) => ENGINE_ENDPOINTS.has(query.endpoint),
    run(query) {
      const endpoint = ENGINE_ENDPOINTS.get(query.endpoint);
      if (endpoint === undefined) throw new Error(`the engine does not answer ${query.endpoint} yet`);
      return endpoint(source(), query.params);
    },
    dropCache() {
      cache = newCache();
    },
    cacheState: () => ({ bytes: cache.bytes, loads: cache.stats.decodes }),
    async close() {
      await pool?.close();
      await store.close();
    },
  };
}
