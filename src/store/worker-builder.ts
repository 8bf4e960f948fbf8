// Builds segments in worker threads: two for seals and one for merges, so a seal (which appends wait
// for once a buffer is full) never queues behind a long compaction, and two seals (a full buffer's
// and the rest's at the end of a burst, when the appending thread is idle) run on two cores. Each
// thread keeps its tasks in the order they were asked for, starts on first use, does not keep the
// process alive, and is started again if it dies; a task in flight when it dies fails, and the
// partition retries it at its next seal or compaction.

import type { Worker } from "node:worker_threads";
import { startModuleWorker } from "../util/module-worker.js";
import { StoreError, type StoreErrorCode } from "./errors.js";
import type { BuildReply, BuildTask } from "./seal-worker.js";
import type { BuiltSegment, SegmentBuilder, SegmentInput } from "./segment-build.js";

type Task = BuildTask extends infer T ? (T extends BuildTask ? Omit<T, "id"> : never) : never;

interface Pending {
  resolve(built: BuiltSegment): void;
  reject(error: Error): void;
}

function startWorker(): Worker {
  return startModuleWorker(import.meta.url, "seal-worker");
}

/** One worker thread and the tasks sent to it. */
class BuildThread {
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

export class WorkerBuilder implements SegmentBuilder {
  private readonly sealers = [new BuildThread(), new BuildThread()];
  private readonly merger = new BuildThread();

  seal(path: string, payloads: readonly Buffer[], rows: number): Promise<BuiltSegment> {
    // The less busy thread; the second starts only once a seal finds the first busy.
    const [first, second] = this.sealers;
    const sealer = second.busy < first.busy ? second : first;
    // The payloads live in SharedArrayBuffers: the worker reads the same memory, nothing is copied.
    return sealer.run({ kind: "seal", path, payloads, rows });
  }

  idleSealers(): number {
    return this.sealers.filter((t) => t.busy === 0).length;
  }

  merge(path: string, inputs: readonly SegmentInput[]): Promise<BuiltSegment> {
    return this.merger.run({ kind: "merge", path, inputs });
  }

  async close(): Promise<void> {
    await Promise.all([...this.sealers.map((t) => t.close()), this.merger.close()]);
  }
}
