// The main thread's side of the back thread (back-thread.ts): starts it, serves it the queue's
// processor consumer, hands its query endpoints to the HTTP server, relays its logs and metrics, and
// starts it again if it dies — ingestion never stops meanwhile (the queue keeps every accepted
// event), and queries get a 503 until it is back.

import { MessageChannel, type MessagePort, type Worker } from "node:worker_threads";
import type { TallyMetrics } from "../api/metrics.js";
import { PortEndpoints } from "../api/port-endpoints.js";
import { HttpError, type QueryEndpoint } from "../api/query-api.js";
import { type SharedConsumerHandle, serveSharedConsumer } from "../queue/shared-consumer.js";
import { startModuleWorker } from "../util/module-worker.js";
import type { BackCommand, BackMessage, BackThreadData } from "./back-thread.js";
import type { Logger } from "./log.js";

export interface BackThreadOptions {
  readonly dataDir: string;
  readonly storeOptions?: BackThreadData["storeOptions"];
  readonly queryWorkers?: number;
  /** The processor's consumer of the main thread's queue, read in the back thread. */
  readonly consumer: SharedConsumerHandle;
  readonly log: Logger;
  readonly metrics: TallyMetrics;
}

/** Waits before starting a dead back thread again: 1 s, doubling to 30 s while it keeps dying young. */
const RESTART_MS = { first: 1000, max: 30_000, healthyAfter: 60_000 } as const;
/** How long a stop waits for the back thread to finish its batch and close its files. */
const CLOSE_WAIT_MS = 30_000;

interface Incarnation {
  readonly worker: Worker;
  readonly calls: PortEndpoints;
  readonly ports: readonly MessagePort[];
  readonly startedAt: number;
}

export class BackThread {
  #current: Incarnation | null = null;
  #names: readonly string[] = [];
  #closing = false;
  #restartMs: number = RESTART_MS.first;
  #restartTimer: NodeJS.Timeout | null = null;

  private constructor(private readonly options: BackThreadOptions) {}

  /** Starts the back thread; rejects with its error if it cannot open the store or databases. */
  static async start(options: BackThreadOptions): Promise<BackThread> {
    const back = new BackThread(options);
    await back.#spawn();
    return back;
  }

  /** The query endpoints, by name; each call goes to whichever back thread is alive. */
  endpoints(): Map<string, QueryEndpoint> {
    const map = new Map<string, QueryEndpoint>();
    for (const name of this.#names) {
      map.set(name, (request) => {
        const current = this.#current;
        if (current === null) throw new HttpError(503, "the query engine is restarting; retry shortly");
        return current.calls.call(name, request);
      });
    }
    return map;
  }

  /** Stops the thread as a crash would (it is then started again): for tests and forced restarts. */
  async kill(): Promise<void> {
    await this.#current?.worker.terminate();
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    const current = this.#current;
    if (current === null) return;
    const exited = new Promise((resolve) => current.worker.once("exit", resolve));
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<void>((resolve) => {
      current.worker.on("message", (m: BackMessage) => m.type === "closed" && resolve());
      current.worker.once("exit", () => resolve());
      // A stop must not hang on a stuck query or disk: what was not committed is processed again.
      timer = setTimeout(() => {
        this.options.log.error("back thread did not close in time; stopping it", { waitedMs: CLOSE_WAIT_MS });
        resolve();
      }, CLOSE_WAIT_MS);
    });
    current.worker.postMessage({ type: "close" } satisfies BackCommand);
    await closed;
    clearTimeout(timer);
    // Whatever still holds its event loop (a timer, an idle pool) must not hold the process's.
    await current.worker.terminate();
    await exited;
    for (const port of current.ports) port.close();
    this.#current = null;
  }

  #spawn(): Promise<void> {
    const toConsumer = new MessageChannel();
    const toEndpoints = new MessageChannel();
    serveSharedConsumer(toConsumer.port1, this.options.consumer);
    const data: BackThreadData = {
      dataDir: this.options.dataDir,
      storeOptions: this.options.storeOptions,
      queryWorkers: this.options.queryWorkers,
      consumerPort: toConsumer.port2,
      endpointsPort: toEndpoints.port2,
    };
    const worker = startModuleWorker(import.meta.url, "back-thread", {
      workerData: data,
      transferList: [toConsumer.port2, toEndpoints.port2],
    });
    const ports = [toConsumer.port1, toEndpoints.port1];
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on("message", (message: BackMessage) => {
        if (message.type === "ready") {
          started = true;
          this.#names = message.endpoints;
          const calls = new PortEndpoints(toEndpoints.port1);
          this.#current = { worker, calls, ports, startedAt: Date.now() };
          resolve();
        } else if (message.type === "failed" && !started) {
          void worker.terminate();
          reject(new Error(`the back thread could not start: ${message.error}`));
        } else this.#relay(message);
      });
      worker.on("error", (error) =>
        this.options.log.error("back thread failed", { error: error.stack ?? String(error) }),
      );
      worker.on("exit", (code) => {
        for (const port of ports) port.close();
        if (!started) {
          reject(new Error(`the back thread exited with code ${code} before it was ready`));
          return;
        }
        this.#died(code);
      });
    });
  }

  #relay(message: BackMessage): void {
    const { metrics, log } = this.options;
    switch (message.type) {
      case "log":
        log[message.level](message.message, message.fields);
        break;
      case "skipped":
        metrics.recordsSkipped.inc({ reason: message.reason }, message.count);
        break;
      case "resultLookup":
        metrics.resultCacheLookups.inc({ outcome: message.hit ? "hit" : "miss" });
        break;
    }
  }

  #died(code: number): void {
    const dead = this.#current;
    this.#current = null;
    dead?.calls.failAll(new HttpError(503, "the query engine is restarting; retry shortly"));
    if (this.#closing) return;
    this.options.metrics.backThreadRestarts.inc();
    if (dead !== null && Date.now() - dead.startedAt > RESTART_MS.healthyAfter)
      this.#restartMs = RESTART_MS.first;
    const wait = this.#restartMs;
    this.#restartMs = Math.min(this.#restartMs * 2, RESTART_MS.max);
    this.options.log.error("back thread died; processing and queries restart", {
      exitCode: code,
      restartInMs: wait,
    });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#closing) return;
      this.#spawn().catch((error: unknown) => {
        this.options.log.error("back thread could not restart", { error: String(error) });
        this.#died(1);
      });
    }, wait);
  }
}
