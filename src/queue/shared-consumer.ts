// A consumer of the embedded log that reads in another thread: the back thread, where the
// processor runs. It reads the segment files itself, as far as the log says they are durable
// (log-share.ts, shared memory), and sleeps on that memory until an append is durable; only its
// commits travel to the log's thread, over a MessagePort, to be written and to hold back retention.
// So the thread that answers ingestion requests spends nothing per record on the processor: no
// read, no checksum, no copy, no message (reads served over a port cost it all four).

import { statSync } from "node:fs";
import type { MessagePort } from "node:worker_threads";
import { LogConsumer, type LogView } from "./log-consumer.js";
import { LogShareReader } from "./log-share.js";
import { type Offset, type QueueConsumer, QueueError, type QueueErrorCode } from "./queue.js";
import { listSegmentBasesSync, type Segment, segmentFileName, segmentPath } from "./segment-files.js";

/** The log's side of a shared consumer (EmbeddedLog.shareConsumer). */
export interface SharedConsumerHandle {
  readonly name: string;
  /** The log's directory, where the segment files are. */
  readonly dir: string;
  /** What the log publishes (log-share.ts). */
  readonly share: SharedArrayBuffer;
  committed(): Offset;
  /** Durably records `offset` as committed; an older offset than the last is ignored. */
  commit(offset: Offset): Promise<void>;
  close(): Promise<void>;
}

type Opened = {
  readonly op: "open";
  readonly name: string;
  readonly dir: string;
  readonly share: SharedArrayBuffer;
  readonly committed: Offset;
};
type CommitRequest = { readonly op: "commit"; readonly id: number; readonly offset: Offset };
type CommitReply =
  | { readonly op: "committed"; readonly id: number; readonly ok: true }
  | {
      readonly op: "committed";
      readonly id: number;
      readonly ok: false;
      readonly code: QueueErrorCode;
      readonly message: string;
    };

/** How long a reader sleeps before it looks again anyway (a lost wake-up costs at most this). */
const WAKE_CHECK_MS = 1000;

/**
 * Serves `handle` to a thread that will connect on the other end of `port`: it starts reading at
 * the handle's last commit, as a restarted process would. Serve it again, on a new port, for each
 * thread that takes over.
 */
export function serveSharedConsumer(port: MessagePort, handle: SharedConsumerHandle): void {
  const { name, dir, share } = handle;
  port.postMessage({ op: "open", name, dir, share, committed: handle.committed() } satisfies Opened);
  port.on("message", (request: CommitRequest) => {
    if (request.op !== "commit") return;
    handle.commit(request.offset).then(
      () => port.postMessage({ op: "committed", id: request.id, ok: true } satisfies CommitReply),
      (error: unknown) => {
        const code = error instanceof QueueError ? error.code : "queue_io";
        const message = error instanceof Error ? error.message : String(error);
        port.postMessage({ op: "committed", id: request.id, ok: false, code, message } satisfies CommitReply);
      },
    );
  });
}

/** The reading side: a consumer served on `port` by serveSharedConsumer. */
export async function connectSharedConsumer(port: MessagePort): Promise<QueueConsumer> {
  const opened = await new Promise<Opened>((resolve, reject) => {
    port.once("message", (message: Opened) =>
      message.op === "open" ? resolve(message) : reject(new Error("the port does not serve a consumer")),
    );
    port.once("close", () => reject(new QueueError("queue_closed", "the queue's port closed")));
  });
  return new LogConsumer(new SharedLogView(opened, port), opened.name, opened.committed);
}

/** The log as a consumer in another thread sees it: files on disk, positions in shared memory. */
class SharedLogView implements LogView {
  readonly dir: string;
  readonly #reader: LogShareReader;
  /** Every segment seen, by first offset; objects keep their identity (a cursor holds one). */
  #known = new Map<number, Segment>();
  #segments: Segment[] = [];
  #segmentsVersion = -1;
  #tailBase = -1;
  readonly #waiters = new Set<() => void>();
  #watching = false;
  #portClosed = false;
  #nextCommit = 1;
  readonly #commits = new Map<number, { resolve: () => void; reject: (error: QueueError) => void }>();

  constructor(
    opened: Opened,
    private readonly port: MessagePort,
  ) {
    this.dir = opened.dir;
    this.#reader = new LogShareReader(opened.share);
    port.on("message", (reply: CommitReply) => this.#settle(reply));
    port.once("close", () => {
      this.#portClosed = true;
      for (const pending of this.#commits.values()) {
        pending.reject(new QueueError("queue_closed", "the queue's thread closed the consumer's port"));
      }
      this.#commits.clear();
      for (const wake of [...this.#waiters]) wake();
    });
  }

  segments(): readonly Segment[] {
    this.#refresh();
    return this.#segments;
  }

  nextOffset(): Offset {
    return this.#refresh().nextOffset;
  }

  isClosed(): boolean {
    return this.#portClosed || this.#reader.read().closed;
  }

  addWaiter(wake: () => void): void {
    this.#waiters.add(wake);
    if (!this.#watching) void this.#watch();
  }

  removeWaiter(wake: () => void): void {
    this.#waiters.delete(wake);
  }

  commitOffset(_name: string, offset: Offset): Promise<void> {
    if (this.#portClosed) return Promise.reject(new QueueError("queue_closed", "the queue's port is closed"));
    const id = this.#nextCommit++;
    return new Promise((resolve, reject) => {
      this.#commits.set(id, { resolve, reject });
      this.port.postMessage({ op: "commit", id, offset } satisfies CommitRequest);
    });
  }

  /** The log's thread keeps the consumer open for whichever thread reads next. */
  release(): void {}

  /** Wakes the waiters after every publish of the log until none is left. */
  async #watch(): Promise<void> {
    this.#watching = true;
    while (this.#waiters.size > 0) {
      // Counted before the waiters look, so that a publish after their look ends the sleep at once.
      const seen = this.#reader.wakeCount();
      for (const wake of [...this.#waiters]) wake();
      if (this.#waiters.size === 0) break;
      await this.#reader.changed(seen, WAKE_CHECK_MS);
    }
    this.#watching = false;
  }

  #settle(reply: CommitReply): void {
    if (reply.op !== "committed") return;
    const pending = this.#commits.get(reply.id);
    if (pending === undefined) return;
    this.#commits.delete(reply.id);
    if (reply.ok) pending.resolve();
    else pending.reject(new QueueError(reply.code, reply.message));
  }

  /**
   * Brings the segment list up to what the log published: the tail's durable end always; the
   * segments before it from the directory when they changed (a new tail, a removal). A segment
   * before the tail is complete: its file's size is its size.
   */
  #refresh() {
    const now = this.#reader.read();
    if (now.segmentsVersion !== this.#segmentsVersion || now.tailBase !== this.#tailBase) {
      // Listed before the version is taken: a listing that fails is tried again next time.
      this.#segments = this.#list(now.tailBase);
      this.#segmentsVersion = now.segmentsVersion;
      this.#tailBase = now.tailBase;
    }
    const tail = this.#segments[this.#segments.length - 1];
    tail.size = Math.max(tail.size, now.tailEnd);
    return now;
  }

  #list(tailBase: number): Segment[] {
    const segments: Segment[] = [];
    for (const base of listSegmentBasesSync(this.dir)) {
      // A file past the tail is a roll the log has not published yet.
      if (base > tailBase) break;
      const size = base === tailBase ? 0 : sizeOf(this.dir, base);
      if (size === undefined) continue;
      const segment = this.#known.get(base) ?? { base, size, consumedAt: null };
      if (base !== tailBase) segment.size = size;
      segments.push(segment);
    }
    if (segments.at(-1)?.base !== tailBase) {
      throw new QueueError(
        "queue_corrupt",
        `the queue's tail segment ${segmentFileName(tailBase)} is missing`,
      );
    }
    this.#known = new Map(segments.map((segment) => [segment.base, segment]));
    return segments;
  }
}

/** The size of a complete segment's file; undefined once retention removed it. */
function sizeOf(dir: string, base: number): number | undefined {
  try {
    return statSync(segmentPath(dir, base)).size;
  } catch {
    return undefined;
  }
}
