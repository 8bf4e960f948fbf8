// Group commit with durable writes in flight side by side. Appends that arrive in one turn of the
// event loop form a group (a small one waits a turn more, see LINGER_APPENDS): framed into one
// Buffer and written at the tail's end, durably (the tail is opened O_DSYNC, so the write returns
// once the data is on disk; a small group's write may already have ended when the tail's write
// returns, see tail-writer.ts). The next group does not wait for that write: up to
// GROUPS_IN_FLIGHT groups are being written at once, so a request waits for about one disk flush,
// not for the one before it as well. Groups are answered strictly in the order they were written:
// a record is acknowledged only when it and every record before it are durable, since recovery
// cuts the log at the first bad record.
//
// A failed write cuts the tail back to the failed group's first byte, which also removes
// every group written after it; those are refused with the same error once their own writes have
// ended, and only then do new groups start.

import { queueErrorFromIo } from "./file-io.js";
import type { AppendReceipt, Offset, QueueError } from "./queue.js";
import { encodeRecords } from "./record-frame.js";

/**
 * By default at most this many groups are being written. Three durable writes side by side took the
 * disk here from ~4,300 to ~7,300 flushes a second; more would crowd libuv's four threads, which
 * gzip inflation and the consumers' reads share.
 */
export const GROUPS_IN_FLIGHT = 3;

/**
 * A group of fewer appends than this, and fewer bytes than LINGER_BYTES, waits one more turn of the
 * event loop before its write starts, and takes in that turn's appends too. A small group's write
 * holds the serving thread for the flush (tail-writer.ts), ~0.2 ms whatever its size, so at 50
 * connections, with groups of ~31 /track requests, the flushes took a quarter of the thread's
 * time. The requests whose replies went out with the last group come back while the thread reads
 * this turn's: one more poll brings them into the group. Measured in paired slices
 * (docs/benchmarks.md, session 8): groups of ~41, /track GET 0.50× → 0.53× of the bare server at
 * 50 connections, form POST 0.50× → 0.51×; at 200 connections (groups of ~117) nothing changes.
 * Lingering every group cost up to a tenth at 200 connections: a large group gains little from growing,
 * and its replies wait the extra turn. A lone request waits one more pass of the loop, a few
 * microseconds when nothing else is ready.
 */
export const LINGER_APPENDS = 64;

/**
 * Groups this large never linger, however few their appends: an /import batch is one append of up
 * to a few megabytes, and a group that size is written on the thread pool (tail-writer.ts), so its
 * flush holds no thread and there is nothing to spare by growing it.
 */
export const LINGER_BYTES = 64 << 10;

/** A group's buffer stops growing here, so one slow write never holds a huge backlog. */
const MAX_GROUP_BYTES = 16 << 20;

/** Where groups go: the log's tail segment (TailWriter), or a test's stand-in. */
export interface GroupTail {
  /** Bytes in the tail now: where the next write lands. */
  readonly end: number;
  /** The next write must start a new segment; only done once every write before is durable. */
  readonly full: boolean;
  /** Starts the segment whose first record is `base`. */
  roll(base: Offset): Promise<void>;
  /**
   * Writes `group` at `end` and resolves once it is durable. `end` moves past it at once, so the
   * next group can be written while this one's write is still running.
   */
  write(group: Buffer): Promise<void>;
  /** Removes every byte from `at` on, durably (a failed write, and all after it). */
  cutBack(at: number): Promise<void>;
}

export interface PendingAppend {
  readonly payloads: readonly Buffer[];
  /** Framed bytes. */
  readonly size: number;
  readonly resolve: (receipt: AppendReceipt) => void;
  readonly reject: (error: QueueError) => void;
}

/** What the log learns as groups end. */
export interface GroupEvents {
  /**
   * Records `base` … `base + records - 1` of `appends` appends, `bytes` framed, are durable, and so
   * is the tail up to byte `end`; in offset order.
   */
  durable(base: Offset, records: number, bytes: number, appends: number, end: number): void;
  /** A group of `bytes` was refused with `error`. */
  refused(bytes: number, appends: number, error: QueueError): void;
}

export interface GroupCommitOptions {
  /** Groups being written at once; default GROUPS_IN_FLIGHT. */
  readonly groupsInFlight?: number;
  /** A group of fewer appends waits a turn more; default LINGER_APPENDS, 0 for never. */
  readonly lingerAppends?: number;
}

interface GroupInFlight {
  readonly appends: PendingAppend[];
  readonly bytes: number;
  readonly base: Offset;
  readonly records: number;
  /** The tail's length before the group's write: where a cut back goes. */
  readonly at: number;
  /** Resolves once the durable write ended, well or not. */
  readonly ended: Promise<void>;
  done: boolean;
  failure: QueueError | null;
}

export class GroupCommit {
  #pending: PendingAppend[] = [];
  readonly #inFlight: GroupInFlight[] = [];
  /** The offset the next group starts at (records written, durable or not). */
  #written: Offset;
  #turnScheduled = false;
  /** The group being collected has waited its extra turn. */
  #lingered = false;
  /** Bytes of the appends waiting. */
  #pendingBytes = 0;
  /** No group starts: a segment is being started, or a failure is being cut back. */
  #halted = false;
  #idleWaiters: (() => void)[] = [];
  readonly #maxInFlight: number;
  readonly #lingerAppends: number;

  constructor(
    private readonly tail: GroupTail,
    nextOffset: Offset,
    private readonly events: GroupEvents,
    options: GroupCommitOptions = {},
  ) {
    this.#written = nextOffset;
    this.#maxInFlight = options.groupsInFlight ?? GROUPS_IN_FLIGHT;
    this.#lingerAppends = options.lingerAppends ?? LINGER_APPENDS;
  }

  /** Queues an append; it joins the group of this turn of the event loop (or the next, if small). */
  add(append: PendingAppend): void {
    this.#pending.push(append);
    this.#pendingBytes += append.size;
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    this.#lingered = false;
    setImmediate(this.#onTurn);
  }

  /** The end of a turn in which appends arrived: the group starts, or waits a turn if small. */
  readonly #onTurn = (): void => {
    const small = this.#pending.length < this.#lingerAppends && this.#pendingBytes < LINGER_BYTES;
    if (small && !this.#lingered) {
      this.#lingered = true;
      setImmediate(this.#onTurn);
      return;
    }
    this.#turnScheduled = false;
    this.#pump();
  };

  /** Resolves once every append added so far has been answered. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return this.#pending.length === 0 && this.#inFlight.length === 0 && !this.#halted;
  }

  /** Starts groups while there are appends waiting and room in flight. */
  #pump(): void {
    while (this.#pending.length > 0 && this.#inFlight.length < this.#maxInFlight && !this.#halted) {
      if (this.tail.full) {
        if (this.#inFlight.length === 0) void this.#roll();
        break;
      }
      this.#start(this.#takeGroup());
    }
    this.#wakeIfIdle();
  }

  async #roll(): Promise<void> {
    this.#halted = true;
    try {
      await this.tail.roll(this.#written);
    } catch (error) {
      const appends = this.#takeGroup();
      this.#refuse(appends, sumBytes(appends), queueErrorFromIo(error, "starting a new queue segment"));
    }
    this.#halted = false;
    this.#pump();
  }

  #takeGroup(): PendingAppend[] {
    let count = 0;
    let bytes = 0;
    const pending = this.#pending;
    while (count < pending.length && (count === 0 || bytes + pending[count].size <= MAX_GROUP_BYTES)) {
      bytes += pending[count].size;
      count++;
    }
    this.#pendingBytes -= bytes;
    if (count === pending.length) {
      this.#pending = [];
      return pending;
    }
    return pending.splice(0, count);
  }

  /** Frames the group and starts its durable write. */
  #start(appends: PendingAppend[]): void {
    let bytes = 0;
    let records = 0;
    for (const append of appends) {
      bytes += append.size;
      records += append.payloads.length;
    }
    const buffer = Buffer.allocUnsafe(bytes);
    let framed = 0;
    for (const append of appends) framed = encodeRecords(buffer, framed, append.payloads);
    const at = this.tail.end;
    const written = this.tail.write(buffer);
    const group: GroupInFlight = {
      appends,
      bytes,
      base: this.#written,
      records,
      at,
      done: false,
      failure: null,
      ended: written.then(
        () => {
          group.done = true;
        },
        (error: unknown) => {
          group.failure = queueErrorFromIo(error, "appending to the queue");
          group.done = true;
          // Nothing more is written until the failure is cut away.
          this.#halted = true;
        },
      ),
    };
    this.#written += records;
    this.#inFlight.push(group);
    void group.ended.then(() => this.#advance());
  }

  /** Answers the finished groups at the head, in order; a failed one starts the cut back. */
  #advance(): void {
    const inFlight = this.#inFlight;
    const finished: GroupInFlight[] = [];
    while (inFlight.length > 0 && inFlight[0].done && inFlight[0].failure === null)
      finished.push(inFlight.shift() as GroupInFlight);
    if (finished.length > 0) {
      // The groups behind the head go to the disk before the head's appenders are answered.
      this.#pump();
      for (const group of finished) this.#answer(group);
    }
    // A cut back takes every group out of flight at once, so it never starts twice.
    const head = inFlight[0];
    if (head?.done && head.failure !== null) void this.#cutBack(head.failure);
  }

  async #cutBack(failure: QueueError): Promise<void> {
    this.#halted = true;
    const failed = this.#inFlight.splice(0);
    await Promise.all(failed.map((group) => group.ended));
    try {
      await this.tail.cutBack(failed[0].at);
    } catch {
      // The tail refuses every later write itself; these appends get the original error.
    }
    this.#written = failed[0].base;
    for (const group of failed) this.#refuse(group.appends, group.bytes, failure);
    this.#halted = false;
    this.#pump();
  }

  #answer(group: GroupInFlight): void {
    this.events.durable(group.base, group.records, group.bytes, group.appends.length, group.at + group.bytes);
    let first = group.base;
    for (const append of group.appends) {
      const count = append.payloads.length;
      append.resolve({ first, count });
      first += count;
    }
  }

  #refuse(appends: PendingAppend[], bytes: number, error: QueueError): void {
    this.events.refused(bytes, appends.length, error);
    for (const append of appends) append.reject(error);
  }

  #wakeIfIdle(): void {
    if (!this.#isIdle() || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function sumBytes(appends: readonly PendingAppend[]): number {
  let bytes = 0;
  for (const append of appends) bytes += append.size;
  return bytes;
}
