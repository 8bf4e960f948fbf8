// The back thread of a Tally process: everything after the queue — the processor, identity,
// profiles, the event store and the query engine — runs here, so that the ingestion server has the
// main thread to itself and answers `1` at the rate the disk's group commit allows. It reads the
// queue's files itself (the main thread owns the log and tells it, in shared memory, how far they
// are durable; commits go back through a port) and answers query endpoints through another port.
// Started by back-thread-host.ts; messages to the host are BackMessage, from it BackCommand.

import { join } from "node:path";
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { engineEndpoints } from "../api/engine-endpoints.js";
import { serveEndpoints } from "../api/port-endpoints.js";
import { recordEndpoints } from "../api/record-endpoints.js";
import { AliasSnapshots } from "../process/alias-snapshots.js";
import { Processor } from "../process/processor.js";
import { SqliteProfileStore } from "../process/profile-sqlite-store.js";
import { SqliteAliasStore } from "../process/sqlite-alias-store.js";
import { ProjectRegistry } from "../projects/registry.js";
import { ENGINE_ENDPOINTS } from "../query/engine/endpoints.js";
import { ScanPool } from "../query/engine/scan-pool.js";
import { InProcessResultCache } from "../query/result-cache.js";
import { connectSharedConsumer } from "../queue/shared-consumer.js";
import { EventStore, type EventStoreOptions } from "../store/event-store.js";
import { setThisThreadIdle, setThisThreadNice } from "../util/thread-priority.js";
import type { LogFields, Logger } from "./log.js";

export interface BackThreadData {
  readonly dataDir: string;
  readonly storeOptions?: Omit<EventStoreOptions, "onBackgroundError" | "now">;
  readonly queryWorkers?: number;
  readonly consumerPort: MessagePort;
  readonly endpointsPort: MessagePort;
}

export type BackMessage =
  | { readonly type: "ready"; readonly endpoints: readonly string[] }
  | { readonly type: "failed"; readonly error: string }
  | { readonly type: "closed" }
  | {
      readonly type: "log";
      readonly level: keyof Logger;
      readonly message: string;
      readonly fields?: LogFields;
    }
  | { readonly type: "skipped"; readonly reason: string; readonly count: number }
  | { readonly type: "resultLookup"; readonly hit: boolean };

export type BackCommand = { readonly type: "close" };

/**
 * The back thread and the threads it starts (sealing, scan workers) run at the lowest priority:
 * when the cores are short, an accepted event waits in the queue a little longer rather than a
 * client waiting for its `1`. With a core to spare nothing changes; on two busy cores (the ingest
 * benchmark: server and load generator) the processor falls a burst behind and catches up in
 * moments after it (nice 10 kept /track about a tenth slower than 19). The queue's disk bound (a
 * 503) is the limit if a flood never ends.
 *
 * Nice 19 is the floor everywhere; on Linux the thread also goes into SCHED_IDLE
 * (thread-priority.ts). At nice 19 its core still looked busy to the kernel, so the load generator
 * woke onto the serving thread's core instead, and the serving thread waited behind it: 73 ms a
 * second in a /track GET row, against 13 with SCHED_IDLE (`perf sched`, docs/benchmarks.md,
 * session 11).
 */
const BACK_THREAD_NICE = 19;

const port = parentPort;
if (port === null) throw new Error("back-thread.ts runs as a worker thread");
const tell = (message: BackMessage) => port.postMessage(message);
const log: Logger = {
  info: (message, fields) => tell({ type: "log", level: "info", message, fields }),
  warn: (message, fields) => tell({ type: "log", level: "warn", message, fields }),
  error: (message, fields) => tell({ type: "log", level: "error", message, fields }),
};

async function start(data: BackThreadData) {
  setThisThreadNice(BACK_THREAD_NICE);
  // Before anything starts a thread of its own: they inherit the policy.
  await setThisThreadIdle();
  const registry = new ProjectRegistry(data.dataDir);
  registry.watch();
  const store = await EventStore.open(join(data.dataDir, "events"), {
    ...data.storeOptions,
    onBackgroundError: (err) =>
      log.error("store: background sealing or compaction failed", { error: String(err) }),
  });
  const aliases = new SqliteAliasStore(data.dataDir);
  const profiles = new SqliteProfileStore(data.dataDir);
  const aliasSnapshots = new AliasSnapshots(aliases);
  const processor = new Processor({
    queue: { consumer: () => connectSharedConsumer(data.consumerPort) },
    store,
    aliases,
    profiles,
    projects: registry,
    log,
    onSkip: (reason, count) => tell({ type: "skipped", reason, count }),
    onIdentityChange: (projectId) => aliasSnapshots.changed(projectId),
  });
  await processor.start();
  const scanWorkers = new ScanPool({ size: data.queryWorkers });
  const endpoints = new Map([
    ...recordEndpoints({ store, aliases, aliasSnapshots, profiles }),
    ...engineEndpoints(
      {
        store,
        aliasSnapshots,
        profiles,
        workers: scanWorkers,
        results: new InProcessResultCache(),
        onResultLookup: (hit) => tell({ type: "resultLookup", hit }),
      },
      ENGINE_ENDPOINTS,
    ),
  ]);
  serveEndpoints(data.endpointsPort, endpoints);
  return {
    endpoints: [...endpoints.keys()],
    async close() {
      await processor.stop();
      await scanWorkers.close();
      await store.close();
      await Promise.all([aliases.close(), profiles.close()]);
      registry.close();
      data.consumerPort.close();
      data.endpointsPort.close();
    },
  };
}

try {
  const running = await start(workerData as BackThreadData);
  port.on("message", (command: BackCommand) => {
    if (command.type !== "close") return;
    running.close().then(
      () => tell({ type: "closed" }),
      (error: unknown) => {
        log.error("back thread: closing failed", { error: String(error) });
        tell({ type: "closed" });
      },
    );
  });
  tell({ type: "ready", endpoints: running.endpoints });
} catch (error) {
  tell({ type: "failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
