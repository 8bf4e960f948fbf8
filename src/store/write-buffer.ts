// The rows of a partition not yet sealed, and the write-ahead files that make them durable. The rows
// are kept as their write-ahead payloads only: sealing reads those (in the worker), and row objects
// are made from them when a query first takes a snapshot, so a buffer no query looks at costs its
// bytes and not a heap of objects for the garbage collector to carry until the seal.

import { BufferBatch } from "./buffer-batch.js";
import type { StoredEvent } from "./stored-event.js";
import { readWalRecords, StoredEventList, WAL_RECORDS_V2 } from "./wal-record.js";

export class WriteBuffer {
  /** Write-ahead payloads (version 2 records), one per append: how rows travel to a sealing worker. */
  readonly payloads: Buffer[] = [];
  /** Every write-ahead file holding rows of this buffer; removed once the buffer is sealed. */
  readonly walFiles: string[] = [];
  /** The file the next append goes to; null starts a new one (first append, or after a failed one). */
  currentWal: string | null = null;
  rowCount = 0;
  maxOffset = -1;
  /** When the first row came in (ms), for sealing buffers by age. */
  startedAt = 0;
  /** Row objects of the first `parsedPayloads` payloads, made on demand. */
  private readonly rows = new StoredEventList();
  private parsedPayloads = 0;
  private snapshotCache: BufferBatch | null = null;

  /** Rows and highest offset of each payload, for splitting the buffer. */
  private readonly payloadRows: number[] = [];
  private readonly payloadMaxOffsets: number[] = [];

  add(payload: Buffer, rows: number, maxOffset: number, now: number): void {
    if (this.rowCount === 0) this.startedAt = now;
    this.payloads.push(payload);
    this.payloadRows.push(rows);
    this.payloadMaxOffsets.push(maxOffset);
    this.rowCount += rows;
    this.maxOffset = Math.max(this.maxOffset, maxOffset);
    this.snapshotCache = null;
  }

  /**
   * The buffer as up to `parts` buffers of consecutive payloads, about equal in rows, to be sealed
   * side by side and then joined to the manifest in order. Only the last holds the write-ahead files:
   * they go once every part is sealed (until then a replay skips the rows of the parts sealed
   * already, which are below the manifest's `sealedThrough`).
   */
  split(parts: number): WriteBuffer[] {
    if (parts <= 1 || this.payloads.length < 2) return [this];
    const out: WriteBuffer[] = [];
    let part = new WriteBuffer();
    let before = 0;
    for (let p = 0; p < this.payloads.length; p++) {
      const due = ((out.length + 1) * this.rowCount) / parts;
      if (part.rowCount > 0 && out.length < parts - 1 && before >= due) {
        out.push(part);
        part = new WriteBuffer();
      }
      part.add(this.payloads[p], this.payloadRows[p], this.payloadMaxOffsets[p], this.startedAt);
      before += this.payloadRows[p];
    }
    out.push(part);
    part.walFiles.push(...this.walFiles);
    return out;
  }

  /** The rows so far as a sorted batch, or null when there are none. */
  snapshot(): BufferBatch | null {
    if (this.rowCount === 0) return null;
    this.snapshotCache ??= BufferBatch.sorted(this.storedEvents());
    return this.snapshotCache;
  }

  /** Every row as a stored event, in append order; parses only the payloads added since last time. */
  private storedEvents(): readonly StoredEvent[] {
    for (; this.parsedPayloads < this.payloads.length; this.parsedPayloads++) {
      readWalRecords(this.payloads[this.parsedPayloads], WAL_RECORDS_V2, "write buffer", this.rows);
    }
    return this.rows.events;
  }
}
