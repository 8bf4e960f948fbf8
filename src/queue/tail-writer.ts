// The log's tail segment as the group commit uses it (group-commit.ts): durable writes at its end,
// cuts back a failed write, and rolls to a new segment once the tail reaches its size. The writer
// keeps its own end, past the groups still being written; the segment's `size` is the end of the
// durable records, moved by the log as groups become durable, and is all a reader reads up to.
//
// The tail is kept zero-filled ahead of its records. A durable write that extends a file makes ext4
// journal the new size and extents as well; one into space already zero-filled and synced is an
// overwrite and does not (measured here: ~20 % less time per group write). So the file is extended
// with zeros a step at a time, in chunks, on the thread pool, before the groups get there. The
// records end at the segment's `size`; past it a tail may hold zeros (while open, or after a
// crash), which a finished segment and a closed log never do.
//
// A small group is written on the thread that serves requests, which waits for the disk; only large
// ones go to libuv's thread pool. See INLINE_WRITE_BYTES for why.

import { constants } from "node:fs";
import { type FileHandle, open, stat, unlink } from "node:fs/promises";
import { fsyncDir } from "../util/durable-dir.js";
import { queueErrorFromIo, writeFully, writeFullyNow } from "./file-io.js";
import type { GroupTail } from "./group-commit.js";
import { QueueError } from "./queue.js";
import { type Segment, segmentPath } from "./segment-files.js";

/**
 * Bytes zero-filled per step. A step takes ~40 ms to write durably on this VM's disk; at /track's
 * rates (a few thousand groups a second of 0.3–8 KiB) it lasts from about half a second to several,
 * so each fill ends long before the groups reach it. A fill starts once less than a step is left
 * ahead of the records, so a tail carries at most two steps of zeros.
 */
export const ZERO_FILL_STEP = 4 << 20;

/**
 * A step is written in durable writes of this size, one after another. While one is being flushed,
 * every group's own sync waits for the journal commit that carries the fill's new file size: a
 * step written at once held the groups up for its whole flush (the slowest append went from ~10 to
 * ~38 ms here). A chunk this size flushes in a few milliseconds, and its commit is still shared by
 * hundreds of group writes.
 */
export const ZERO_FILL_CHUNK = 256 << 10;

/**
 * Groups up to this many bytes are written on the calling thread, which waits for the flush; larger
 * ones on libuv's thread pool. A /track group (0.3–100 KiB) took 0.4–0.6 ms to write as the
 * thread saw it inline, against 1.0–1.4 ms through the pool, whose round trip to its thread and
 * back cost more than the flush itself. Written inline, groups also grew two- to threefold (the
 * requests that arrive during a flush are the next group), and /track GET's ratio to the bare
 * server rose by about a quarter at 50 connections and a sixth at 200; form POST's by less
 * (docs/benchmarks.md, session 7). An /import group (about a megabyte, ~10 ms to flush) stays on the
 * pool, so the thread goes on with other requests meanwhile: written inline, /import's events a
 * second fell. While a flush holds the thread nothing else runs on it; a request waits for the
 * flush that covers it anyway.
 */
export const INLINE_WRITE_BYTES = 128 << 10;

export interface TailWriterOptions {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly fsync: boolean;
  /** Called with the seconds each durable write took. */
  readonly onFsync: (seconds: number) => void;
  /** Bytes zero-filled ahead per step; default ZERO_FILL_STEP, 0 for none. */
  readonly fillStep?: number;
  /** Bytes per durable write of a fill; default ZERO_FILL_CHUNK. */
  readonly fillChunk?: number;
  /** Groups up to this size are written on the calling thread; default INLINE_WRITE_BYTES. */
  readonly inlineBytes?: number;
  /** Makes a new segment's name durable; default fsyncDir (tests make it fail). */
  readonly syncDir?: (dir: string) => Promise<void>;
}

/**
 * The flag the tail is opened with beside its access mode: O_DSYNC makes each write an fdatasync of
 * its own, so the group commit needs one thread-pool call per group, not a write on the main thread
 * and an fdatasync after it (measured: about half the main thread's time per group).
 */
export function tailSyncFlag(fsync: boolean): number {
  return fsync ? constants.O_DSYNC : 0;
}

export class TailWriter implements GroupTail {
  #file: FileHandle;
  #broken: QueueError | null = null;
  /** Where the next group goes in the tail: past every group written or being written. */
  #end: number;
  readonly #fillStep: number;
  readonly #fillChunk: number;
  readonly #inlineBytes: number;
  /** Every byte of the tail's file below this is a record or a durable zero. */
  #zeroedEnd: number;
  /** The fill being written, if any; it never rejects. */
  #filling: Promise<void> | null = null;
  /** Groups waiting for the fill to pass their bytes: woken after each chunk and at its end. */
  #fillWaiters: (() => void)[] = [];
  /** Where the fill being written began. */
  #fillFrom = 0;
  /**
   * False once a fill failed or fell behind the groups: they extend the file themselves until the
   * next segment.
   */
  #fillOn = true;
  #zeros: Buffer | null = null;

  /**
   * `segments` is the log's list (shared); its last entry is the tail, open as `file`, which ends
   * at its last record (as recovery leaves it).
   */
  constructor(
    private readonly segments: Segment[],
    file: FileHandle,
    private readonly options: TailWriterOptions,
  ) {
    this.#file = file;
    this.#fillStep = options.fillStep ?? ZERO_FILL_STEP;
    this.#fillChunk = options.fillChunk ?? ZERO_FILL_CHUNK;
    this.#inlineBytes = options.inlineBytes ?? INLINE_WRITE_BYTES;
    this.#end = this.#tail().size;
    this.#zeroedEnd = this.#end;
  }

  get end(): number {
    return this.#end;
  }

  get full(): boolean {
    return this.#end >= this.options.segmentBytes;
  }

  /**
   * Appends `group` (whole framed records) at the tail's end; resolves once it is durable. `end`
   * moves past it at once, so the next group goes after it; the segment's size does not (the log
   * moves it once the group is durable, in order). A write that fails part way leaves bytes past
   * the durable end; the log cuts them back.
   */
  write(group: Buffer): Promise<void> {
    if (this.#broken !== null) return Promise.reject(this.#broken);
    const at = this.#end;
    this.#end = at + group.length;
    const written =
      this.#end > this.#zeroedEnd && this.#filling !== null
        ? this.#writeOnceFilled(group, at)
        : this.#writeAt(group, at);
    this.#fillAhead();
    return written;
  }

  /**
   * Writes a group that reaches past the zeroed end while a fill runs: the fill's zeros could land
   * on it, so it waits until the fill has passed its bytes (then it lands in zeros) or has ended
   * (then it extends the file, as it would with no fill). Past the fill's first chunk (which a new
   * segment's first groups always race) this means the groups write faster than the fill: at such
   * rates it would double the bytes written (bulk imports lost a fifth of their MB/s) and spare
   * little, as groups are large, so it stops after its chunk until the next segment.
   */
  async #writeOnceFilled(group: Buffer, at: number): Promise<void> {
    while (at + group.length > this.#zeroedEnd && this.#filling !== null) {
      if (this.#zeroedEnd > this.#fillFrom) this.#fillOn = false;
      await new Promise<void>((resolve) => this.#fillWaiters.push(resolve));
    }
    await this.#writeAt(group, at);
  }

  #writeAt(group: Buffer, at: number): Promise<void> {
    const started = process.hrtime.bigint();
    if (group.length > this.#inlineBytes) {
      return writeFully(this.#file, group, at).then(() => this.#measure(started));
    }
    try {
      writeFullyNow(this.#file.fd, group, at);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#measure(started);
    return Promise.resolve();
  }

  #measure(started: bigint): void {
    if (this.options.fsync) this.options.onFsync(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * Starts zero-filling the next step once less than a step is left ahead of the records. It
   * begins past every byte given to a group so far, and later groups that reach into it wait for
   * it, so its zeros never land on a record. It stops at the segment's roll size.
   */
  #fillAhead(): void {
    if (this.#filling !== null || !this.#fillOn || this.#fillStep === 0) return;
    const end = this.#end;
    const from = Math.max(this.#zeroedEnd, end);
    const to = Math.min(from + this.#fillStep, this.options.segmentBytes);
    if (from - end >= this.#fillStep || to <= from) return;
    this.#fillFrom = from;
    this.#filling = this.#fill(from, to).finally(() => {
      this.#filling = null;
      this.#wakeFillWaiters();
    });
  }

  /**
   * Writes zeros over bytes `from` … `to` − 1 a chunk at a time; with fsync on the tail is
   * O_DSYNC, so each chunk is durable before the groups may use it.
   */
  async #fill(from: number, to: number): Promise<void> {
    this.#zeros ??= Buffer.alloc(this.#fillChunk);
    try {
      for (let at = from; at < to && this.#fillOn; at += this.#fillChunk) {
        const end = Math.min(at + this.#fillChunk, to);
        await writeFully(this.#file, this.#zeros.subarray(0, end - at), at);
        this.#zeroedEnd = end;
        this.#wakeFillWaiters();
      }
    } catch {
      // The groups do without: each extends the file as it would with no fill, and a full disk is
      // reported by theirs. A partial fill is cut off with the rest of the padding.
      this.#fillOn = false;
    }
  }

  #wakeFillWaiters(): void {
    const waiters = this.#fillWaiters;
    this.#fillWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Removes everything from byte `at` of the tail on, durably. If even that fails, the writer refuses
   * all further writes until a restart runs recovery.
   */
  async cutBack(at: number): Promise<void> {
    if (this.#broken !== null) throw this.#broken;
    await this.#filling;
    try {
      await this.#file.truncate(at);
      if (this.options.fsync) await this.#file.datasync();
      this.#end = at;
      this.#zeroedEnd = at;
    } catch (error) {
      this.#broken = new QueueError(
        "queue_io",
        "the queue could not undo a failed write; restart the server so recovery can cut the tail",
        { cause: error },
      );
      throw this.#broken;
    }
  }

  /**
   * Starts a new segment whose first record will be `base`. Every byte of the old one is durable,
   * and its zeros are cut off first, durably: a segment before the tail is exactly its records (a
   * reader in another thread takes its size from the directory).
   */
  async roll(base: number): Promise<void> {
    if (this.#broken !== null) throw this.#broken;
    let next: FileHandle;
    try {
      await this.#cutPadding();
      next = await this.#createSegment(base);
    } catch (error) {
      throw queueErrorFromIo(error, "starting a new queue segment");
    }
    await this.#file.close();
    this.#file = next;
    this.segments.push({ base, size: 0, consumedAt: null });
    this.#end = 0;
    this.#zeroedEnd = 0;
    this.#fillOn = true;
  }

  /**
   * Creates the segment file for `base` and makes its name durable. A roll that fails once the file
   * exists removes it again; one that could not, leaves it empty, and the next roll takes it over:
   * either way a failed roll (no descriptor left for the directory's fsync, say) costs the appends
   * of that moment, not every append until a restart.
   */
  async #createSegment(base: number): Promise<FileHandle> {
    const path = segmentPath(this.options.dir, base);
    const sync = tailSyncFlag(this.options.fsync);
    let next: FileHandle;
    try {
      next = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | sync);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || (await stat(path)).size !== 0) throw error;
      next = await open(path, constants.O_WRONLY | sync);
    }
    try {
      if (this.options.fsync) await (this.options.syncDir ?? fsyncDir)(this.options.dir);
      return next;
    } catch (error) {
      await next.close().catch(() => {});
      await unlink(path).catch(() => {});
      throw error;
    }
  }

  /** Closes the tail, cut to its last record so a stopped log's files are exactly its records. */
  async close(): Promise<void> {
    try {
      if (this.#broken === null) await this.#cutPadding();
    } catch {
      // Left for the next open: recovery cuts zeros past the last record and reports them as
      // padding, not as damage, so a close need not fail over them.
    } finally {
      await this.#file.close();
    }
  }

  /**
   * Truncates the tail to its records, durably, once the fill in flight has ended. Only called with
   * no group in flight, so every byte below `end` is a durable record.
   */
  async #cutPadding(): Promise<void> {
    await this.#filling;
    await this.#file.truncate(this.#end);
    if (this.options.fsync) await this.#file.datasync();
    this.#zeroedEnd = this.#end;
  }

  #tail(): Segment {
    return this.segments[this.segments.length - 1];
  }
}
