// A named consumer of the embedded log: a cursor (segment, byte position, offset) that reads durable
// records in order, and a committed offset kept in its own file.

import { type FileHandle, open } from "node:fs/promises";
import { type Offset, type QueueConsumer, QueueError, type QueueRecord, type ReadLimits } from "./queue.js";
import { type Segment, segmentAfter, segmentFor, segmentPath } from "./segment-files.js";
import { readRecords } from "./segment-reader.js";
import { scanSegment } from "./segment-scan.js";

export const DEFAULT_READ_LIMITS = { maxRecords: 10_000, maxBytes: 4 << 20 } as const;

/** What a consumer may see of the log that owns it. */
export interface LogView {
  readonly dir: string;
  segments(): readonly Segment[];
  /** Offset after the last durable record. */
  nextOffset(): Offset;
  isClosed(): boolean;
  /** `wake` is called after every durable append and on close. */
  addWaiter(wake: () => void): void;
  removeWaiter(wake: () => void): void;
  commitOffset(name: string, offset: Offset): Promise<void>;
  release(name: string): void;
}

interface Cursor {
  readonly segment: Segment;
  readonly file: FileHandle;
  position: number;
}

export class LogConsumer implements QueueConsumer {
  #committed: Offset;
  #position: Offset;
  #cursor: Cursor | null = null;
  #commits: Promise<void> = Promise.resolve();
  #reading = false;

  constructor(
    private readonly log: LogView,
    readonly name: string,
    committed: Offset,
  ) {
    this.#committed = committed;
    this.#position = committed;
  }

  get committed(): Offset {
    return this.#committed;
  }

  get position(): Offset {
    return this.#position;
  }

  depth(): number {
    return this.log.nextOffset() - this.#committed;
  }

  async read(limits: ReadLimits = {}): Promise<QueueRecord[]> {
    if (this.log.isClosed()) throw new QueueError("queue_closed", "the queue is closed");
    if (this.#reading) throw new QueueError("invalid_consumer", `${this.name} is already reading`);
    this.#reading = true;
    try {
      return await this.#read(limits);
    } finally {
      this.#reading = false;
    }
  }

  async #read(limits: ReadLimits): Promise<QueueRecord[]> {
    const maxRecords = limits.maxRecords ?? DEFAULT_READ_LIMITS.maxRecords;
    const maxBytes = limits.maxBytes ?? DEFAULT_READ_LIMITS.maxBytes;
    while (this.#position < this.log.nextOffset()) {
      const cursor = await this.#currentCursor();
      if (cursor.position < cursor.segment.size) {
        const path = segmentPath(this.log.dir, cursor.segment.base);
        const range = {
          file: cursor.file,
          path,
          from: cursor.position,
          to: cursor.segment.size,
          offset: this.#position,
        };
        // The cap keeps a read inside what the log has announced, even between its two updates.
        const available = this.log.nextOffset() - this.#position;
        const { records, end } = await readRecords(range, Math.min(maxRecords, available), maxBytes);
        cursor.position = end;
        this.#position += records.length;
        return records;
      }
      await this.#moveToNextSegment(cursor);
    }
    return [];
  }

  waitForRecords(signal?: AbortSignal): Promise<boolean> {
    if (this.log.isClosed() || signal?.aborted) return Promise.resolve(false);
    if (this.#position < this.log.nextOffset()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (found: boolean) => {
        this.log.removeWaiter(wake);
        signal?.removeEventListener("abort", abort);
        resolve(found);
      };
      const wake = () => {
        if (this.log.isClosed()) finish(false);
        else if (this.#position < this.log.nextOffset()) finish(true);
      };
      const abort = () => finish(false);
      this.log.addWaiter(wake);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }

  commit(offset: Offset): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset > this.#position) {
      return Promise.reject(
        new QueueError(
          "invalid_offset",
          `cannot commit offset ${offset}: ${this.name} has read up to ${this.#position}`,
        ),
      );
    }
    // Commits are written one after another, so the file never goes back to an older offset.
    const write = this.#commits.then(async () => {
      if (offset <= this.#committed) return;
      await this.log.commitOffset(this.name, offset);
      this.#committed = offset;
    });
    this.#commits = write.catch(() => {});
    return write;
  }

  rewind(): void {
    this.#position = this.#committed;
    this.#dropCursor();
  }

  async close(): Promise<void> {
    await this.#commits;
    this.#dropCursor();
    this.log.release(this.name);
  }

  #dropCursor(): void {
    const cursor = this.#cursor;
    this.#cursor = null;
    if (cursor !== null) void cursor.file.close().catch(() => {});
  }

  /** The cursor at `position`, found by walking record headers from its segment's start. */
  async #currentCursor(): Promise<Cursor> {
    if (this.#cursor !== null) return this.#cursor;
    const segment = segmentFor(this.log.segments(), this.#position);
    if (segment === undefined) {
      throw new QueueError(
        "queue_corrupt",
        `no queue segment holds offset ${this.#position} for ${this.name}`,
      );
    }
    const file = await open(segmentPath(this.log.dir, segment.base), "r");
    const skip = this.#position - segment.base;
    const scan = await scanSegment(file, segment.size, { from: 0, maxRecords: skip, verify: false });
    if (scan.records < skip) {
      await file.close();
      throw new QueueError(
        "queue_corrupt",
        `queue segment ${segmentPath(this.log.dir, segment.base)} ends after ${scan.records} records, before offset ${this.#position}`,
      );
    }
    this.#cursor = { segment, file, position: scan.end };
    return this.#cursor;
  }

  /** Leaves a segment read to its end; the next one must start exactly where it ended. */
  async #moveToNextSegment(cursor: Cursor): Promise<void> {
    const next = segmentAfter(this.log.segments(), cursor.segment.base);
    if (next === undefined || next.base !== this.#position) {
      const path = segmentPath(this.log.dir, cursor.segment.base);
      throw new QueueError(
        "queue_corrupt",
        `queue segment ${path} ends at offset ${this.#position}, but the next segment starts at ${next?.base}`,
      );
    }
    this.#dropCursor();
    const file = await open(segmentPath(this.log.dir, next.base), "r");
    this.#cursor = { segment: next, file, position: 0 };
  }
}
