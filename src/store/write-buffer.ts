// The rows of a partition not yet sealed, and the write-ahead files that make them durable. Rows are
// kept in append order; a snapshot sorts them once and is reused until the next append.

import { BufferBatch } from "./buffer-batch.js";
import type { StoredEvent } from "./stored-event.js";

export class WriteBuffer {
  readonly rows: StoredEvent[] = [];
  /** The rows again as write-ahead payloads (exact JSON): how they travel to a sealing worker. */
  readonly payloads: Buffer[] = [];
  /** Every write-ahead file holding rows of this buffer; removed once the buffer is sealed. */
  readonly walFiles: string[] = [];
  /** The file the next append goes to; null starts a new one (first append, or after a failed one). */
  currentWal: string | null = null;
  maxOffset = -1;
  /** When the first row came in (ms), for sealing buffers by age. */
  startedAt = 0;
  private snapshotCache: BufferBatch | null = null;

  add(events: readonly StoredEvent[], payload: Buffer, now: number): void {
    if (this.rows.length === 0) this.startedAt = now;
    this.payloads.push(payload);
    for (const e of events) this.rows.push(e);
    this.maxOffset = Math.max(this.maxOffset, events[events.length - 1].offset);
    this.snapshotCache = null;
  }

  /** The rows so far as a sorted batch, or null when there are none. */
  snapshot(): BufferBatch | null {
    if (this.rows.length === 0) return null;
    this.snapshotCache ??= BufferBatch.sorted(this.rows);
    return this.snapshotCache;
  }
}
