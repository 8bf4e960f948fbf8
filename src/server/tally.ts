// The composition root: opens every stage of one Tally process on a data directory and wires them
// together in the direction an event flows. Nothing else in the code base knows all the stages.
//
// Two threads: the main one runs the HTTP server — ingestion and its queue, the operational
// endpoints, the query API's edge — and the back thread (back-thread.ts) everything after the queue.
// Ingestion's replies so never wait behind processing or a query.

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { TallyMetrics } from "../api/metrics.js";
import { createQueryApiHandler } from "../api/query-api.js";
import { createTallyServer } from "../api/server.js";
import { createIngestHandler } from "../ingest/handler.js";
import { ImportThreads } from "../ingest/import-threads.js";
import type { Project } from "../projects/project.js";
import { ProjectRegistry } from "../projects/registry.js";
import { type EmbeddedLog, openLog } from "../queue/log.js";
import type { SharedConsumerHandle } from "../queue/shared-consumer.js";
import { BackThread, type BackThreadOptions } from "./back-thread-host.js";
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
  readonly storeOptions?: BackThreadOptions["storeOptions"];
  /** Threads that decode the segments of cold queries; 0: none. Default: defaultScanWorkers(). */
  readonly queryWorkers?: number;
  /** Threads that clean large /import bodies; 0: none. Default: defaultImportThreads(). */
  readonly importThreads?: number;
}

export interface RunningTally {
  readonly server: Server;
  readonly port: number;
  readonly registry: ProjectRegistry;
  readonly queue: EmbeddedLog;
  readonly metrics: TallyMetrics;
  /** The processor's queue consumer: every record below `committed` is in the event store. */
  readonly processed: SharedConsumerHandle;
  /** The thread that processes, stores and answers queries. */
  readonly back: BackThread;
  /** The project made on the first start of an empty data directory, if this start made one. */
  readonly createdProject: Project | undefined;
  close(): Promise<void>;
}

/** The queue consumer the processor reads through; one name, so a restart resumes its offsets. */
const PROCESSOR_CONSUMER = "processor";

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

  const processed = await queue.shareConsumer(PROCESSOR_CONSUMER);
  const back = await BackThread.start({
    dataDir: options.dataDir,
    storeOptions: options.storeOptions,
    queryWorkers: options.queryWorkers,
    consumer: processed,
    log,
    metrics,
  }).catch(async (error: unknown) => {
    await queue.close();
    registry.close();
    throw error;
  });

  const importThreads =
    options.importThreads === 0 ? undefined : new ImportThreads({ size: options.importThreads });
  const ingest = createIngestHandler({
    projects: registry,
    sink: queue,
    importThreads,
    trustProxy: options.trustProxy,
    onMetric: (m) => metrics.countIngest(m),
    onError: (err) => log.error("ingest: request failed", { error: String(err) }),
  });
  let closing = false;
  const query = createQueryApiHandler({
    projects: registry,
    endpoints: back.endpoints(),
    onError: (err) =>
      log.error("query: failed", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  });
  const server = createTallyServer({
    metrics,
    ingest,
    query,
    ready: () => !closing,
    onError: (err) =>
      log.error("server: a request handler threw", {
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      }),
  });
  const port = await listen(server, options.host, options.port);

  return {
    server,
    port,
    registry,
    queue,
    metrics,
    processed,
    back,
    createdProject,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await importThreads?.close();
      await back.close();
      await queue.close();
      registry.close();
    },
  };
}
