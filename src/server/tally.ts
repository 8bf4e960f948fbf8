// The composition root: opens every stage of one Tally process on a data directory and wires them
// together in the direction an event flows. Nothing else in the code base knows all the stages.

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { engineEndpoints } from "../api/engine-endpoints.js";
import { TallyMetrics } from "../api/metrics.js";
import { createQueryApiHandler } from "../api/query-api.js";
import { recordEndpoints } from "../api/record-endpoints.js";
import { createTallyServer } from "../api/server.js";
import { createIngestHandler } from "../ingest/handler.js";
import type { IngestMetric } from "../ingest/metrics.js";
import { AliasSnapshots } from "../process/alias-snapshots.js";
import { Processor } from "../process/processor.js";
import { SqliteProfileStore } from "../process/profile-sqlite-store.js";
import { SqliteAliasStore } from "../process/sqlite-alias-store.js";
import type { Project } from "../projects/project.js";
import { ProjectRegistry } from "../projects/registry.js";
import { ENGINE_ENDPOINTS } from "../query/engine/endpoints.js";
import { InProcessResultCache } from "../query/result-cache.js";
import { type EmbeddedLog, openLog } from "../queue/log.js";
import { EventStore, type EventStoreOptions } from "../store/event-store.js";
import { createLogger, type Logger } from "./log.js";

export interface TallyOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Take client addresses from X-Forwarded-For (only behind a proxy that sets it). */
  readonly trustProxy?: boolean;
  /** Bound on the queue's bytes on disk; past it ingestion answers 503. */
  readonly queueMaxBytes?: number;
  readonly logger?: Logger;
  /** Sealing and compaction thresholds of the event store (tests make them small). */
  readonly storeOptions?: EventStoreOptions;
}

export interface RunningTally {
  readonly server: Server;
  readonly port: number;
  readonly registry: ProjectRegistry;
  readonly queue: EmbeddedLog;
  readonly metrics: TallyMetrics;
  readonly store: EventStore;
  readonly aliases: SqliteAliasStore;
  readonly profiles: SqliteProfileStore;
  readonly processor: Processor;
  /** The project made on the first start of an empty data directory, if this start made one. */
  readonly createdProject: Project | undefined;
  close(): Promise<void>;
}

function countIngestMetric(metrics: TallyMetrics, m: IngestMetric): void {
  switch (m.type) {
    case "request":
      metrics.httpRequests.inc({ route: m.route, status: String(m.status) });
      break;
    case "accepted":
      metrics.recordsAccepted.inc({ kind: m.kind }, m.count);
      break;
    case "rejected":
      metrics.recordsRejected.inc({ reason: m.reason }, m.count);
      break;
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startTally(options: TallyOptions): Promise<RunningTally> {
  const log = options.logger ?? createLogger();
  const registry = new ProjectRegistry(options.dataDir);
  registry.watch();
  const createdProject = registry.list().length === 0 ? registry.add({ name: "Default" }) : undefined;

  const queue = await openLog({ dir: join(options.dataDir, "queue"), maxBytes: options.queueMaxBytes });
  if (queue.recovery.cutBytes > 0) {
    log.warn("queue: cut a damaged tail on open", { ...queue.recovery });
  }
  const metrics = new TallyMetrics();
  metrics.watchQueue(() => queue.stats());

  const store = await EventStore.open(join(options.dataDir, "events"), {
    ...options.storeOptions,
    onBackgroundError: (err) =>
      log.error("store: background sealing or compaction failed", { error: String(err) }),
  });
  const aliases = new SqliteAliasStore(options.dataDir);
  const profiles = new SqliteProfileStore(options.dataDir);
  const aliasSnapshots = new AliasSnapshots(aliases);
  const processor = new Processor({
    queue,
    store,
    aliases,
    profiles,
    projects: registry,
    log,
    onSkip: (reason, count) => metrics.recordsSkipped.inc({ reason }, count),
    onIdentityChange: (projectId) => aliasSnapshots.changed(projectId),
  });
  await processor.start();

  const ingest = createIngestHandler({
    projects: registry,
    sink: queue,
    trustProxy: options.trustProxy,
    onMetric: (m) => countIngestMetric(metrics, m),
    onError: (err) => log.error("ingest: request failed", { error: String(err) }),
  });
  let closing = false;
  const query = createQueryApiHandler({
    projects: registry,
    endpoints: new Map([
      ...recordEndpoints({ store, aliases, profiles }),
      ...engineEndpoints(
        {
          store,
          aliasSnapshots,
          profiles,
          results: new InProcessResultCache(),
          onResultLookup: (hit) => metrics.resultCacheLookups.inc({ outcome: hit ? "hit" : "miss" }),
        },
        ENGINE_ENDPOINTS,
      ),
    ]),
    onError: (err) =>
      log.error("query: failed", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  });
  const server = createTallyServer({ metrics, ingest, query, ready: () => !closing });
  const port = await listen(server, options.host, options.port);

  return {
    server,
    port,
    registry,
    queue,
    metrics,
    store,
    aliases,
    profiles,
    processor,
    createdProject,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await processor.stop();
      await store.close();
      await Promise.all([aliases.close(), profiles.close()]);
      await queue.close();
      registry.close();
    },
  };
}
