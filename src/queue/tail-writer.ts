// The log's tail segment as the group commit uses it (group-commit.ts): durable writes at its end,
// cuts back a failed write, and rolls to a new segment once the tail reaches its size.

import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { queueErrorFromIo, writeFully } from "./file-io.js";
import type { GroupTail } from "./group-commit.js";
import { QueueError } from "./queue.js";
import { type Segment, segmentPath, syncDir } from "./segment-files.js";

export interface TailWriterOptions {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly fsync: boolean;
  /** Called with the seconds each durable write took. */
  readonly onFsync: (seconds: number) => void;
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

  /** `segments` is the log's list (shared); its last entry is the tail, open as `file`. */
  constructor(
    private readonly segments: Segment[],
    file: FileHandle,
    private readonly options: TailWriterOptions,
  ) {
    this.#file = file;
  }

  get end(): number {
    return this.#tail().size;
  }

  get full(): boolean {
    return this.#tail().size >= this.options.segmentBytes;
  }

  /**
   * Appends `group` (whole framed records) at the tail's end; resolves once it is durable. The
   * tail's size counts it at once, so the next group goes after it: consumers read only up to the
   * log's durable offset. A write that fails part way leaves bytes past the durable end; the log
   * cuts them back.
   */
  write(group: Buffer): Promise<void> {
    if (this.#broken !== null) return Promise.reject(this.#broken);
    const tail = this.#tail();
    const at = tail.size;
    tail.size = at + group.length;
    return this.#writeAt(group, at);
  }

  async #writeAt(group: Buffer, at: number): Promise<void> {
    const started = process.hrtime.bigint();
    await writeFully(this.#file, group, at);
    if (this.options.fsync) this.options.onFsync(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * Removes everything from byte `at` of the tail on, durably. If even that fails, the writer refuses
   * all further writes until a restart runs recovery.
   */
  async cutBack(at: number): Promise<void> {
    if (this.#broken !== null) throw this.#broken;
    try {
      await this.#file.truncate(at);
      if (this.options.fsync) await this.#file.datasync();
      this.#tail().size = at;
    } catch (error) {
      this.#broken = new QueueError(
        "queue_io",
        "the queue could not undo a failed write; restart the server so recovery can cut the tail",
        { cause: error },
      );
      throw this.#broken;
    }
  }

  /** Starts a new segment whose first record will be `base`. Every byte of the old one is durable. */
  async roll(base: number): Promise<void> {
    let next: FileHandle;
    try {
      const flags =
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | tailSyncFlag(this.options.fsync);
      next = await open(segmentPath(this.options.dir, base), flags);
      if (this.options.fsync) await syncDir(this.options.dir);
    } catch (error) {
      throw queueErrorFromIo(error, "starting a new queue segment");
    }
    await this.#file.close();
    this.#file = next;
    this.segments.push({ base, size: 0, consumedAt: null });
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  #tail(): Segment {
    return this.segments[this.segments.length - 1];
  }
}
