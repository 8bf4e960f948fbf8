// The log's tail segment as the group commit uses it (group-commit.ts): writes at its end, fsyncs,
// cuts back a failed write, and rolls to a new segment once the tail reaches its size.

import { type FileHandle, open } from "node:fs/promises";
import { queueErrorFromIo, type WriteSync, writeFullySync } from "./file-io.js";
import type { GroupTail } from "./group-commit.js";
import { QueueError } from "./queue.js";
import { type Segment, segmentPath, syncDir } from "./segment-files.js";

export interface TailWriterOptions {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly fsync: boolean;
  /** Called with the seconds each fsync took. */
  readonly onFsync: (seconds: number) => void;
  /** fs.writeSync, unless a test stands in a disk that fills up. */
  readonly writeSync?: WriteSync;
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
   * Appends `group` (whole framed records) at the tail's end, synchronously: into the page cache,
   * a thread-pool round trip per group cost the group commit a tenth of its cycle. The tail's size
   * counts it at once, though it is not durable yet: consumers read only up to the log's durable
   * offset. A write that fails part way leaves bytes past the size; the log cuts them back.
   */
  writeNow(group: Buffer): void {
    if (this.#broken !== null) throw this.#broken;
    const tail = this.#tail();
    writeFullySync(this.#file.fd, group, tail.size, this.options.writeSync);
    tail.size += group.length;
  }

  /** Makes every byte written so far durable. */
  async sync(): Promise<void> {
    if (!this.options.fsync) return;
    const started = process.hrtime.bigint();
    await this.#file.datasync();
    this.options.onFsync(Number(process.hrtime.bigint() - started) / 1e9);
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
      next = await open(segmentPath(this.options.dir, base), "wx");
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
