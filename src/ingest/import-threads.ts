// The threads that clean large /import bodies (import-offload.ts). Tasks wait in one queue and each
// thread takes the next when it is free. A thread starts on first use, keeps the process alive only
// while it works, and is started again when it dies: the request it was cleaning gets a 500 (Tally's
// fault, nothing was accepted, the client retries), the next one a fresh thread.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { startModuleWorker } from "../util/module-worker.js";
import type { CleanedRequest } from "./clean-request.js";
import { type ImportOutcome, type ImportTask, ownedCopy, unpackImport } from "./import-offload.js";
import type { ImportMessage } from "./import-worker.js";

/**
 * Bodies from this size on go to a thread. A 2,000-event batch is 300–600 KiB; below this a body
 * costs the ingestion thread little more than its copies would.
 */
export const OFFLOAD_BYTES = 64 << 10;

/**
 * One per core, at least 2, at most 4. The ingestion thread mostly waits while the bodies are
 * cleaned, so on 2 cores two threads kept both busy: /import went from 113,000 to 170,000 events/s,
 * against 113,000–124,000 with one (docs/benchmarks.md, session 7).
 */
export function defaultImportThreads(): number {
  return Math.min(Math.max(availableParallelism(), 2), 4);
}

interface Job {
  readonly id: number;
  readonly task: ImportTask;
  readonly resolve: (cleaned: CleanedRequest) => void;
  readonly reject: (error: unknown) => void;
}

export interface ImportThreadsOptions {
  /** Threads; default defaultImportThreads(). */
  readonly size?: number;
  /** The threads' entry, for tests; default import-worker.js beside this module. */
  readonly entry?: URL;
}

class CleaningThread {
  #worker: Worker | null = null;
  job: Job | null = null;
  /** Threads started over this one's life (1 + replacements), and bodies they cleaned. */
  starts = 0;
  cleaned = 0;

  constructor(
    private readonly entry: URL | undefined,
    private readonly done: (thread: CleaningThread) => void,
  ) {}

  run(job: Job): void {
    const worker = this.#ensureWorker();
    this.job = job;
    worker.ref();
    const message: ImportMessage = { id: job.id, task: job.task };
    try {
      worker.postMessage(message, [job.task.body]);
    } catch (error) {
      // A task that cannot be sent (it failed to clone) fails alone; the thread takes the next.
      this.#finish().reject(error);
    }
  }

  #ensureWorker(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker =
      this.entry === undefined ? startModuleWorker(import.meta.url, "import-worker") : new Worker(this.entry);
    this.starts++;
    worker.unref();
    worker.on("message", ({ id, outcome }: { id: number; outcome: ImportOutcome }) => {
      if (this.#worker !== worker || this.job?.id !== id) return;
      const job = this.#finish();
      this.cleaned++;
      try {
        job.resolve(unpackImport(outcome));
      } catch (error) {
        job.reject(error);
      }
    });
    const died = (why: string) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      if (this.job !== null) this.#finish().reject(new Error(`an /import cleaning thread stopped (${why})`));
    };
    worker.on("error", (error) => died(error.message));
    worker.on("exit", (code) => died(`exit code ${code}`));
    this.#worker = worker;
    return worker;
  }

  #finish(): Job {
    const job = this.job as Job;
    this.job = null;
    this.#worker?.unref();
    this.done(this);
    return job;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }
}

export class ImportThreads {
  readonly #threads: CleaningThread[] = [];
  readonly #waiting: Job[] = [];
  #nextId = 1;
  #closed = false;

  readonly size: number;

  constructor(options: ImportThreadsOptions = {}) {
    const size = options.size ?? defaultImportThreads();
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`/import cleaning threads must be a whole number ≥ 1, not ${size}`);
    }
    this.size = size;
    for (let i = 0; i < size; i++) {
      this.#threads.push(new CleaningThread(options.entry, (thread) => this.#next(thread)));
    }
  }

  /** Threads started (replacements included) and bodies cleaned, over the pool's life. */
  stats(): { starts: number; cleaned: number } {
    let starts = 0;
    let cleaned = 0;
    for (const thread of this.#threads) {
      starts += thread.starts;
      cleaned += thread.cleaned;
    }
    return { starts, cleaned };
  }

  /** Whether a body of `bytes` goes to a thread. */
  takes(bytes: number): boolean {
    return bytes >= OFFLOAD_BYTES && !this.#closed;
  }

  /** Cleans `body` on a thread; the body is copied into a buffer of its own to be transferred. */
  clean(body: Buffer, rest: Omit<ImportTask, "body">): Promise<CleanedRequest> {
    if (this.#closed) return Promise.reject(new Error("the /import cleaning threads are closed"));
    const task: ImportTask = { ...rest, body: ownedCopy(body) };
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.#nextId++, task, resolve, reject };
      const free = this.#threads.find((thread) => thread.job === null);
      if (free === undefined) this.#waiting.push(job);
      else free.run(job);
    });
  }

  #next(thread: CleaningThread): void {
    const job = this.#waiting.shift();
    if (job !== undefined) thread.run(job);
  }

  /** Stops the threads; tasks not yet cleaned are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    const refused = new Error("the /import cleaning threads are closed");
    for (const job of this.#waiting.splice(0)) job.reject(refused);
    for (const thread of this.#threads) thread.job?.reject(refused);
    await Promise.all(this.#threads.map((thread) => thread.close()));
  }
}
