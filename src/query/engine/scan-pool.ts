// Worker threads that decode the sealed segments of cold queries (prefetch.ts). A query's days wait
// in one queue and each thread takes the next when it is free, so a cold query's decoding spreads
// over the threads whatever the days' sizes. A thread starts on first use, keeps the process alive
// only while it works, and is started again when it dies: the day it was decoding fails its query
// with a ScanWorkerError, and the next day gets a fresh thread. An aborted query's days leave the
// queue, and a thread decoding one is terminated (and replaced), so abort stops the work at once.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { startModuleWorker } from "../../util/module-worker.js";
import type { DayTask, DecodedEntry } from "./day-decode.js";
import type { DayMessage, DayReply } from "./scan-worker.js";

export interface ScanPoolOptions {
  /** Threads; 0 decodes everything on the calling thread. Default: `defaultScanWorkers()`. */
  readonly size?: number;
  /** The worker's entry, for tests; default scan-worker.js beside this module. */
  readonly entry?: URL;
}

/**
 * One thread per core, at most 4, so that a large machine does not start a thread per core for one
 * query's days (measured on 2 cores only: docs/benchmarks.md, "Queries").
 */
export function defaultScanWorkers(): number {
  return Math.min(availableParallelism(), 4);
}

/** A scan worker died while decoding a query's day; the query is not answered. */
export class ScanWorkerError extends Error {
  readonly code = "scan_worker";

  constructor(message: string) {
    super(message);
    this.name = "ScanWorkerError";
  }
}

/** One query's days: settled once every day is decoded, or at the first failure or abort. */
interface Query {
  /** Takes a day's entries; false: decode no more of the query's days (those on threads finish). */
  readonly onDay: (entries: readonly DecodedEntry[]) => boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  left: number;
  settled: boolean;
}

interface Job {
  readonly id: number;
  readonly task: DayTask;
  readonly query: Query;
}

/** scan-worker beside this module, or a test's own entry (plain JavaScript). */
function startWorker(entry: URL | undefined): Worker {
  return entry === undefined ? startModuleWorker(import.meta.url, "scan-worker") : new Worker(entry);
}

/** One thread and the job it is decoding. */
class ScanThread {
  private worker: Worker | null = null;
  job: Job | null = null;
  /** Threads started over this one's life (1 + replacements), and days they decoded. */
  starts = 0;
  decoded = 0;

  constructor(
    private readonly entry: URL | undefined,
    private readonly settle: (job: Job, outcome: DayReply | ScanWorkerError) => void,
  ) {}

  run(job: Job): void {
    const worker = this.ensureWorker();
    this.job = job;
    worker.ref();
    const message: DayMessage = { id: job.id, task: job.task };
    worker.postMessage(message);
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = startWorker(this.entry);
    this.starts++;
    worker.unref();
    worker.on("message", (reply: DayReply) => {
      if (this.worker === worker && this.job?.id === reply.id) this.finish(reply);
    });
    const died = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const day = this.job?.task.day;
      this.finish(
        new ScanWorkerError(
          `a scan worker stopped (${why}) while decoding ${day}; the query was not answered`,
        ),
      );
    };
    worker.on("error", (error) => died(error.message));
    worker.on("exit", (code) => died(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private finish(outcome: DayReply | ScanWorkerError): void {
    const job = this.job;
    this.job = null;
    this.worker?.unref();
    if (job === null) return;
    if (!(outcome instanceof ScanWorkerError) && outcome.ok) this.decoded++;
    this.settle(job, outcome);
  }

  /** Stops the job's work now: the thread is terminated, and a new one starts for the next job. */
  stop(): void {
    const worker = this.worker;
    this.worker = null;
    this.job = null;
    void worker?.terminate();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.stop();
    await worker?.terminate();
  }
}

export class ScanPool {
  readonly size: number;
  private readonly threads: ScanThread[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: ScanPoolOptions = {}) {
    const size = options.size ?? defaultScanWorkers();
    if (!Number.isInteger(size) || size < 0)
      throw new RangeError(`scan workers must be a whole number ≥ 0, not ${size}`);
    this.size = size;
    this.threads = Array.from(
      { length: size },
      () => new ScanThread(options.entry, (job, outcome) => this.settle(job, outcome)),
    );
  }

  /** Whether queries should send cold days here: threads exist and the pool is open. */
  get active(): boolean {
    return this.size > 0 && !this.closed;
  }

  /** Threads started so far, replacements included. */
  get started(): number {
    return this.threads.reduce((n, t) => n + t.starts, 0);
  }

  /** Days the threads decoded so far. */
  get decodedDays(): number {
    return this.threads.reduce((n, t) => n + t.decoded, 0);
  }

  /**
   * Decodes one query's days on the threads, handing each day's cache entries to `onDay` as it
   * arrives; once `onDay` answers false, the days still queued are left undecoded. Rejects with
   * the signal's reason on abort, or a ScanWorkerError when a thread dies; either way the query's
   * other days leave the queue and its threads in flight are stopped.
   */
  decode(
    tasks: readonly DayTask[],
    signal: AbortSignal | undefined,
    onDay: (entries: readonly DecodedEntry[]) => boolean,
  ): Promise<void> {
    if (!this.active) return Promise.reject(new ScanWorkerError("the scan pool is closed"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (tasks.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = () => this.fail(query, signal?.reason);
      const query: Query = {
        onDay,
        resolve: () => {
          signal?.removeEventListener("abort", stop);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener("abort", stop);
          reject(error);
        },
        left: tasks.length,
        settled: false,
      };
      signal?.addEventListener("abort", stop, { once: true });
      for (const task of tasks) this.queue.push({ id: this.nextId++, task, query });
      this.pump();
    });
  }

  private settle(job: Job, outcome: DayReply | ScanWorkerError): void {
    const query = job.query;
    if (outcome instanceof ScanWorkerError) this.fail(query, outcome);
    else if (!query.settled) {
      // A day the worker could not read (a segment compaction removed meanwhile, a damaged file)
      // is decoded by the query itself, which reads through its own open files and reports damage.
      query.left--;
      if (outcome.ok && !query.onDay(outcome.entries)) query.left -= this.unqueue(query);
      if (query.left === 0) {
        query.settled = true;
        query.resolve();
      }
    }
    this.pump();
  }

  /** Settles the query with `error`, drops its queued days and stops its threads. */
  private fail(query: Query, error: unknown): void {
    if (query.settled) return;
    query.settled = true;
    this.unqueue(query);
    for (const thread of this.threads) if (thread.job?.query === query) thread.stop();
    query.reject(error);
    this.pump();
  }

  /** Removes the query's days from the queue; returns how many. */
  private unqueue(query: Query): number {
    const before = this.queue.length;
    for (let i = this.queue.length - 1; i >= 0; i--)
      if (this.queue[i].query === query) this.queue.splice(i, 1);
    return before - this.queue.length;
  }

  private pump(): void {
    if (this.closed) return;
    for (const thread of this.threads) {
      if (this.queue.length === 0) return;
      if (thread.job === null) thread.run(this.queue.shift() as Job);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const queries = new Set(this.queue.splice(0).map((j) => j.query));
    for (const t of this.threads) if (t.job !== null) queries.add(t.job.query);
    for (const q of queries) this.fail(q, new ScanWorkerError("the scan pool was closed"));
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
