// Writes group buffers at the end of the tail segment and makes them durable, rolling to a new
// segment once the tail reaches its size. A failed write is undone (truncated away) so the tail
// only ever holds whole, durable records; if even the undo fails, the writer refuses all further
// writes until a restart runs recovery.

import { type FileHandle, open } from "node:fs/promises";
import { queueErrorFromIo, type WriteSync, writeFullySync } from "./file-io.js";
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

export class TailWriter {
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

  /**
   * Appends `group` (whole framed records starting at offset `base`) and makes it durable. The
   * write itself is synchronous (into the page cache, before this returns unless the segment
   * rolls): a thread-pool round trip per group cost the group commit a tenth of its cycle.
   */
  async write(group: Buffer, base: number): Promise<void> {
    if (this.#broken !== null) throw this.#broken;
    let tail = this.#tail();
    if (tail.size >= this.options.segmentBytes) tail = await this.#roll(base);
    const at = tail.size;
    // Counted now: the next group is written while this one's fsync runs.
    tail.size = at + group.length;
    try {
      writeFullySync(this.#file.fd, group, at, this.options.writeSync);
      if (this.options.fsync) await this.#sync();
    } catch (error) {
      tail.size = at;
      await this.#undo(at, error);
      throw queueErrorFromIo(error, "appending to the queue");
    }
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  #tail(): Segment {
    return this.segments[this.segments.length - 1];
  }

  async #sync(): Promise<void> {
    const started = process.hrtime.bigint();
    await this.#file.datasync();
    this.options.onFsync(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Starts a new segment whose first record will be `base`. Every byte of the old one is durable. */
  async #roll(base: number): Promise<Segment> {
    let next: FileHandle;
    try {
      next = await open(segmentPath(this.options.dir, base), "wx");
      if (this.options.fsync) await syncDir(this.options.dir);
    } catch (error) {
      throw queueErrorFromIo(error, "starting a new queue segment");
    }
    await this.#file.close();
    this.#file = next;
    const segment: Segment = { base, size: 0, consumedAt: null };
    this.segments.push(segment);
    return segment;
  }

  async #undo(at: number, cause: unknown): Promise<void> {
    try {
      await this.#file.truncate(at);
      if (this.options.fsync) await this.#file.datasync();
    } catch (error) {
      this.#broken = new QueueError(
        "queue_io",
        "the queue could not undo a failed write; restart the server so recovery can cut the tail",
        { cause: [cause, error] },
      );
    }
  }
}
