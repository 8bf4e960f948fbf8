// The embedded queue: a durable log of checksummed records in segment files (format: README.md).
// Appends are group-committed (group-commit.ts): the appends of one turn of the event loop are
// framed into one Buffer, written and fsynced once; each resolves after the fsync that covered it.

import { mkdir } from "node:fs/promises";
import { mkdirDurable } from "../util/durable-dir.js";
import { checkConsumerName, writeCommittedOffset } from "./consumer-offsets.js";
import { lockQueueDir, type ReleaseLock } from "./dir-lock.js";
import { queueErrorFromIo } from "./file-io.js";
import { GROUPS_IN_FLIGHT, GroupCommit } from "./group-commit.js";
import { LatencyCounter } from "./latency-histogram.js";
import { LogConsumer, type LogView } from "./log-consumer.js";
import { LogShareWriter } from "./log-share.js";
import type { AppendReceipt, Offset, Queue, QueueConsumer, QueueStats } from "./queue.js";
import { QueueError, QueueFullError } from "./queue.js";
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES } from "./record-frame.js";
import { type RecoveredLog, type RecoveryReport, recoverLog } from "./recovery.js";
import { removeConsumedSegments } from "./retention.js";
import { type Segment, segmentFor } from "./segment-files.js";
import type { SharedConsumerHandle } from "./shared-consumer.js";
import { TailWriter } from "./tail-writer.js";

export interface LogOptions {
  /** The log's own directory (the data dir's `queue/`); created if missing. */
  readonly dir: string;
  /** A segment is rolled once it reaches this size. Default 64 MiB. */
  readonly segmentBytes?: number;
  /**
   * Appends past this many bytes of records fail with QueueFullError. Default 4 GiB. The tail's
   * zeros filled ahead of its records (at most two ZERO_FILL_STEPs) are not counted.
   */
  readonly maxBytes?: number;
  /** How long a fully consumed segment is kept (for backups and replays). Default 1 hour. */
  readonly retentionMs?: number;
  /** Largest payload accepted. Default 64 MiB. */
  readonly maxRecordBytes?: number;
  /** fsync every group and every commit. Only tests that measure something else turn it off. */
  readonly fsync?: boolean;
  /** The clock retention is measured by. */
  readonly now?: () => number;
  /** Groups written and fsyncing at once (group-commit.ts). Default 3. */
  readonly groupsInFlight?: number;
}

type Settings = Required<LogOptions>;

const DEFAULTS = {
  segmentBytes: 64 << 20,
  maxBytes: 4 * 1024 ** 3,
  retentionMs: 60 * 60 * 1000,
  maxRecordBytes: 64 << 20,
  fsync: true,
  now: Date.now,
  groupsInFlight: GROUPS_IN_FLIGHT,
} as const;

export async function openLog(options: LogOptions): Promise<EmbeddedLog> {
  const settings: Settings = { ...DEFAULTS, ...withoutUndefined(options), dir: options.dir };
  checkSettings(settings);
  // The queue's own entry in the data directory must survive a power loss as its files do.
  if (settings.fsync) await mkdirDurable(settings.dir);
  else await mkdir(settings.dir, { recursive: true });
  const releaseLock = await lockQueueDir(settings.dir);
  try {
    const recovered = await recoverLog(settings.dir, settings.fsync);
    return new EmbeddedLog(settings, recovered, releaseLock);
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

export class EmbeddedLog implements Queue {
  readonly recovery: RecoveryReport;
  readonly #settings: Settings;
  readonly #segments: Segment[];
  readonly #writer: TailWriter;
  readonly #groups: GroupCommit;
  readonly #releaseLock: ReleaseLock;
  readonly #committed: Map<string, number>;
  /** Open consumers by name: read on this thread (LogConsumer) or on another (shareConsumer). */
  readonly #consumers = new Map<string, { close(): Promise<void> }>();
  readonly #waiters = new Set<() => void>();
  readonly #fsyncSeconds = new LatencyCounter();
  readonly #sweeper: NodeJS.Timeout | null;
  readonly #view: LogView;
  readonly #share: LogShareWriter;
  #nextOffset: Offset;
  /**
   * Bytes of durable records in the segments: the tail's zero fill is left out, so the bound and
   * `stats().bytes` move with appends and removals only, not in fill steps, and a fill never makes
   * an append queue_full. It is at most two steps (8 MiB) past the bound, and a fill the disk has no
   * room for is simply not made.
   */
  #bytes: number;
  /** Bytes appended but not yet durable (or refused). */
  #pendingBytes = 0;
  #closed = false;
  #counts = { appends: 0, records: 0, rejectedFull: 0, fsyncs: 0 };

  constructor(settings: Settings, recovered: RecoveredLog, releaseLock: ReleaseLock) {
    this.#settings = settings;
    this.#segments = recovered.segments;
    this.#committed = recovered.committed;
    this.#nextOffset = recovered.nextOffset;
    this.#bytes = this.#segments.reduce((sum, segment) => sum + segment.size, 0);
    this.#releaseLock = releaseLock;
    this.recovery = recovered.report;
    this.#writer = new TailWriter(this.#segments, recovered.tailFile, {
      dir: settings.dir,
      segmentBytes: settings.segmentBytes,
      fsync: settings.fsync,
      onFsync: (seconds) => {
        this.#counts.fsyncs++;
        this.#fsyncSeconds.observe(seconds);
      },
    });
    this.#groups = new GroupCommit(
      this.#writer,
      this.#nextOffset,
      {
        durable: (base, records, bytes, appends, end) => this.#durable(base, records, bytes, appends, end),
        refused: (bytes, appends, error) => {
          this.#pendingBytes -= bytes;
          if (error.code === "queue_full") this.#counts.rejectedFull += appends;
        },
      },
      { groupsInFlight: settings.groupsInFlight },
    );
    this.#view = this.#viewForConsumers();
    const tail = this.#segments[this.#segments.length - 1];
    this.#share = new LogShareWriter(this.#nextOffset, tail.base, tail.size);
    this.#sweeper = this.#startSweeper();
    this.#sweep(false);
  }

  append(payloads: readonly Buffer[]): Promise<AppendReceipt> {
    if (this.#closed) return Promise.reject(new QueueError("queue_closed", "the queue is closed"));
    let size = 0;
    for (const payload of payloads) {
      if (payload.length > this.#settings.maxRecordBytes) {
        const limit = this.#settings.maxRecordBytes;
        return Promise.reject(
          new QueueError(
            "record_too_large",
            `a record of ${payload.length} bytes is over the limit of ${limit}`,
          ),
        );
      }
      size += RECORD_HEADER_BYTES + payload.length;
    }
    if (payloads.length === 0) return Promise.resolve({ first: this.#nextOffset, count: 0 });
    if (!this.#hasRoomFor(size)) {
      this.#counts.rejectedFull++;
      const { maxBytes } = this.#settings;
      return Promise.reject(
        new QueueFullError(`the queue holds ${this.#bytes + this.#pendingBytes} of its ${maxBytes} bytes`),
      );
    }
    return new Promise((resolve, reject) => {
      this.#pendingBytes += size;
      this.#groups.add({ payloads, size, resolve, reject });
    });
  }

  async consumer(name: string): Promise<QueueConsumer> {
    const start = this.#reserve(name);
    return this.#opened(name, new LogConsumer(this.#view, name, start));
  }

  /**
   * Opens consumer `name` to be read on another thread (shared-consumer.ts): the records are read
   * there, from the segment files, with what the log publishes in shared memory; only commits
   * come back here. Retention and depth count its commits like any consumer's.
   */
  async shareConsumer(name: string): Promise<SharedConsumerHandle> {
    let commits = Promise.resolve();
    const handle: SharedConsumerHandle = {
      name,
      dir: this.#settings.dir,
      share: this.#share.buffer,
      committed: () => this.#committed.get(name) ?? 0,
      commit: (offset) => {
        if (!Number.isSafeInteger(offset) || offset > this.#nextOffset) {
          return Promise.reject(
            new QueueError(
              "invalid_offset",
              `cannot commit offset ${offset}: the log ends at ${this.#nextOffset}`,
            ),
          );
        }
        // One after another, so the file never goes back to an older offset.
        const write = commits.then(() =>
          offset > handle.committed() ? this.#view.commitOffset(name, offset) : undefined,
        );
        commits = write.catch(() => {});
        return write;
      },
      close: async () => {
        await commits;
        this.#consumers.delete(name);
      },
    };
    this.#reserve(name);
    return this.#opened(name, handle);
  }

  /** Checks that `name` may open; returns where it starts: its commit, or the oldest record kept. */
  #reserve(name: string): Offset {
    checkConsumerName(name);
    if (this.#closed) throw new QueueError("queue_closed", "the queue is closed");
    if (this.#consumers.has(name))
      throw new QueueError("invalid_consumer", `consumer ${name} is already open`);
    return this.#committed.get(name) ?? this.#segments[0].base;
  }

  /** Registers an opened consumer; a new one starts at the oldest record kept, and holds back retention from now on. */
  async #opened<C extends { close(): Promise<void> }>(name: string, consumer: C): Promise<C> {
    const known = this.#committed.get(name);
    this.#consumers.set(name, consumer);
    if (known === undefined) {
      const start = this.#segments[0].base;
      this.#committed.set(name, start);
      await this.#register(name, start);
    }
    return consumer;
  }

  async #register(name: string, committed: Offset): Promise<void> {
    try {
      await writeCommittedOffset(this.#settings.dir, name, committed, this.#settings.fsync);
    } catch (error) {
      this.#consumers.delete(name);
      this.#committed.delete(name);
      throw queueErrorFromIo(error, `registering consumer ${name}`);
    }
  }

  stats(): QueueStats {
    return {
      ...this.#counts,
      fsyncSeconds: this.#fsyncSeconds.snapshot(),
      depth: this.#nextOffset - this.#floor(),
      bytes: this.#bytes,
      nextOffset: this.#nextOffset,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    await this.#groups.idle();
    this.#share.close();
    for (const wake of [...this.#waiters]) wake();
    await Promise.all([...this.#consumers.values()].map((consumer) => consumer.close()));
    await this.#writer.close();
    await this.#releaseLock();
  }

  #durable(base: Offset, records: number, bytes: number, appends: number, end: number): void {
    this.#pendingBytes -= bytes;
    this.#bytes += bytes;
    this.#counts.appends += appends;
    this.#counts.records += records;
    this.#nextOffset = base + records;
    // The group's segment: the tail, unless a roll has already begun the next one.
    const last = this.#segments[this.#segments.length - 1];
    const segment = last.base <= base ? last : (segmentFor(this.#segments, base) as Segment);
    // Only now, in offset order: consumers read a segment up to its size, and bytes past the
    // durable end may be zeros or a write still running, or not in the file yet.
    segment.size = end;
    this.#share.publish(this.#nextOffset, segment.base, end);
    for (const wake of [...this.#waiters]) wake();
  }

  #hasRoomFor(size: number): boolean {
    const fits = () => this.#bytes + this.#pendingBytes + size <= this.#settings.maxBytes;
    if (fits()) return true;
    // Consumed segments waiting out their retention give way before an append is refused.
    this.#sweep(true);
    return fits();
  }

  /** The lowest committed offset of all consumers; with none yet, the oldest record kept. */
  #floor(): Offset {
    let floor = this.#committed.size === 0 ? this.#segments[0].base : Number.POSITIVE_INFINITY;
    for (const offset of this.#committed.values()) floor = Math.min(floor, offset);
    return floor;
  }

  #sweep(force: boolean): void {
    if (this.#committed.size === 0) return;
    const { dir, retentionMs } = this.#settings;
    const rules = { dir, floor: this.#floor(), now: this.#settings.now(), retentionMs, force };
    const before = this.#segments.length;
    this.#bytes -= removeConsumedSegments(this.#segments, rules);
    if (this.#segments.length !== before) this.#share.segmentsChanged();
  }

  #startSweeper(): NodeJS.Timeout | null {
    if (this.#settings.retentionMs === 0) return null;
    const timer = setInterval(() => this.#sweep(false), Math.min(this.#settings.retentionMs, 60_000));
    timer.unref();
    return timer;
  }

  #viewForConsumers(): LogView {
    return {
      dir: this.#settings.dir,
      segments: () => this.#segments,
      nextOffset: () => this.#nextOffset,
      isClosed: () => this.#closed,
      addWaiter: (wake) => this.#waiters.add(wake),
      removeWaiter: (wake) => this.#waiters.delete(wake),
      commitOffset: async (name, offset) => {
        await writeCommittedOffset(this.#settings.dir, name, offset, this.#settings.fsync);
        this.#committed.set(name, offset);
        this.#sweep(false);
      },
      release: (name) => this.#consumers.delete(name),
    };
  }
}

function checkSettings(settings: Settings): void {
  const positive = ["segmentBytes", "maxBytes", "maxRecordBytes", "groupsInFlight"] as const;
  for (const key of positive) {
    if (!(settings[key] > 0))
      throw new RangeError(`queue option ${key} must be above 0, not ${settings[key]}`);
  }
  if (!(settings.retentionMs >= 0)) throw new RangeError(`queue option retentionMs must be 0 or more`);
  if (settings.maxRecordBytes > MAX_RECORD_BYTES) {
    throw new RangeError(`queue option maxRecordBytes may not pass ${MAX_RECORD_BYTES}`);
  }
}

function withoutUndefined(options: LogOptions): Partial<Settings> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
