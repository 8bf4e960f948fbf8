// Builds segments in worker threads: two for seals and one for merges, so a seal (which appends wait
// for once a buffer is full) never queues behind a long compaction, and two seals (a full buffer's
// and the rest's at the end of a burst, when the appending thread is idle) run on two cores. Seals
// wait in one queue, and a sealing thread is given the next one only once it has answered the last:
// no seal waits behind another while a thread idles (nor does a finished seal's answer wait behind
// the next one's encoding, which would hold up the write-ahead files it frees). Each thread starts on
// first use, does not keep the process alive, and is started again if it dies; a task in flight
// when it dies fails, and the partition retries it at its next seal or compaction.

import type { Worker } from "node:worker_threads";
import { startModuleWorker } from "../util/module-worker.js";
import { StoreError, type StoreErrorCode } from "./errors.js";
import type { BuildReply, BuildTask } from "./seal-worker.js";
import type { BuiltSegment, SegmentBuilder, SegmentInput } from "./segment-build.js";

/** A task as a thread is given it (the thread numbers it). */
export type Task = BuildTask extends infer T ? (T extends BuildTask ? Omit<T, "id"> : never) : never;

/** What runs tasks: a worker thread, or a stand-in in tests. */
export interface BuildRunner {
  /** Tasks sent and not yet answered. */
  readonly busy: number;
  run(task: Task): Promise<BuiltSegment>;
  close(): Promise<void>;
}

interface Pending {
  resolve(built: BuiltSegment): void;
  reject(error: Error): void;
}

function startWorker(): Worker {
  return startModuleWorker(import.meta.url, "seal-worker");
}

/** One worker thread and the tasks sent to it. */
class BuildThread implements BuildRunner {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = startWorker();
    worker.unref();
    worker.on("message", (reply: BuildReply) => this.settle(reply));
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`a segment-building worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: BuildReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.built);
    else if (reply.code?.startsWith("store_"))
      p.reject(new StoreError(reply.code as StoreErrorCode, reply.message));
    else
      p.reject(Object.assign(new Error(reply.message), reply.code === undefined ? {} : { code: reply.code }));
  }

  /** Tasks sent and not yet answered. */
  get busy(): number {
    return this.pending.size;
  }

  run(task: Task): Promise<BuiltSegment> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // While a task runs the worker must keep the process alive; idle, it must not.
      worker.ref();
      worker.postMessage({ ...task, id });
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    }) as Promise<BuiltSegment>;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) await worker.terminate();
  }
}

/** A seal waiting for a free sealing thread. */
interface QueuedSeal {
  readonly task: Task;
  readonly pending: Pending;
}

export class WorkerBuilder implements SegmentBuilder {
  private readonly sealers: readonly BuildRunner[];
  private readonly merger: BuildRunner;
  private readonly queued: QueuedSeal[] = [];

  /** `startRunner` makes the three runners (two sealing, then the merging one). */
  constructor(startRunner: () => BuildRunner = () => new BuildThread()) {
    this.sealers = [startRunner(), startRunner()];
    this.merger = startRunner();
  }

  seal(path: string, payloads: readonly Buffer[], rows: number): Promise<BuiltSegment> {
    // The payloads live in SharedArrayBuffers: the worker reads the same memory, nothing is copied.
    const task: Task = { kind: "seal", path, payloads, rows };
    return new Promise((resolve, reject) => {
      this.queued.push({ task, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  /** Hands queued seals, oldest first, to the free sealing threads (the first before the second). */
  private dispatch(): void {
    for (const sealer of this.sealers) {
      if (this.queued.length === 0) return;
      if (sealer.busy > 0) continue;
      const { task, pending } = this.queued.shift()!;
      sealer
        .run(task)
        .then(pending.resolve, pending.reject)
        .finally(() => this.dispatch());
    }
  }

  sealThreads(): number {
    return this.sealers.length;
  }

  merge(path: string, inputs: readonly SegmentInput[]): Promise<BuiltSegment> {
    return this.merger.run({ kind: "merge", path, inputs });
  }

  async close(): Promise<void> {
    for (const { pending } of this.queued.splice(0))
      pending.reject(new Error("the segment builder is closed"));
    await Promise.all([...this.sealers.map((t) => t.close()), this.merger.close()]);
  }
}
