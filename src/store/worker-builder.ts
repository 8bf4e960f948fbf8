// Builds segments in worker threads: one for seals and one for merges, so a seal (which appends wait
// for once a buffer is full) never queues behind a long compaction. Each thread keeps its tasks in
// the order they were asked for, starts on first use, does not keep the process alive, and is
// started again if it dies; a task in flight when it dies fails, and the partition retries it at its
// next seal or compaction.

import { Worker } from "node:worker_threads";
import { StoreError, type StoreErrorCode } from "./errors.js";
import type { BuildReply, BuildTask } from "./seal-worker.js";
import type { BuiltSegment, SegmentBuilder, SegmentInput } from "./segment-build.js";

type Task = BuildTask extends infer T ? (T extends BuildTask ? Omit<T, "id"> : never) : never;

interface Pending {
  resolve(built: BuiltSegment): void;
  reject(error: Error): void;
}

/**
 * The worker's entry. Compiled code runs seal-worker.js; when the store runs from its TypeScript
 * sources (tests, tsx), a worker does not inherit tsx's loader in Node 20, so it is booted through it.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./seal-worker.js", here));
  const entry = JSON.stringify(new URL("./seal-worker.ts", here).href);
  return new Worker(`import("tsx/esm/api").then((tsx) => tsx.tsImport(${entry}, ${JSON.stringify(here)}))`, {
    eval: true,
  });
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
  private readonly sealer = new BuildThread();
  private readonly merger = new BuildThread();

  seal(path: string, payloads: readonly Buffer[], rows: number): Promise<BuiltSegment> {
    // The payloads live in SharedArrayBuffers: the worker reads the same memory, nothing is copied.
    return this.sealer.run({ kind: "seal", path, payloads, rows });
  }

  merge(path: string, inputs: readonly SegmentInput[]): Promise<BuiltSegment> {
    return this.merger.run({ kind: "merge", path, inputs });
  }

  async close(): Promise<void> {
    await Promise.all([this.sealer.close(), this.merger.close()]);
  }
}
