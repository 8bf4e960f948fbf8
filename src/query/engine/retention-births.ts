// Birth retention's first scan: each user's joining row — their first born event of the range (by
// time, then ingestion offset) that `born_where` keeps — with its bucket and, with `on`, where the
// row's segments are listed. The scan reads only the born event's rows (through the event index),
// a small part of the range.

import type { SegmentLists } from "./funnel-segment-lists.js";
import type { KeptRows, RowSink } from "./scan.js";
import type { ScanBatch } from "./scan-batch.js";
import type { BatchSegments, ValueSegmenter } from "./segmenter.js";

export class Births implements RowSink {
  /** Per user (the query's number): the bucket they joined, -1 for a user who never did. */
  bucket = new Int32Array(0);
  /** Per user: when they joined. */
  time = new Float64Array(0);
  /** Per user: where the joining row's segments are listed; -1 without `on`. */
  segmentsAt = new Int32Array(0);
  /** Per user: the joining row, to break a tie in time by offset (offsets are read only then). */
  private batchOf: ScanBatch[] = [];
  private rowOf = new Int32Array(0);

  constructor(
    private readonly segmenter: ValueSegmenter | undefined,
    private readonly lists: SegmentLists,
  ) {}

  /** An `on` that is not a plain read is evaluated per row. */
  get takesChunks(): boolean {
    return this.segmenter?.evaluatesPerRow === true;
  }

  get users(): number {
    return this.bucket.length;
  }

  begin(users: number): void {
    this.bucket = new Int32Array(users).fill(-1);
    this.time = new Float64Array(users);
    this.segmentsAt = new Int32Array(users).fill(-1);
    this.batchOf = new Array(users);
    this.rowOf = new Int32Array(users);
  }

  take(kept: KeptRows): void {
    const { rows, users, buckets, count, batch } = kept;
    const time = batch.time;
    let segments: BatchSegments | undefined;
    for (let k = 0; k < count; k++) {
      const u = users[k];
      if (u < 0) continue;
      const row = rows[k];
      if (this.bucket[u] >= 0 && !this.isEarlier(batch, row, u)) continue;
      this.bucket[u] = buckets[k];
      this.time[u] = time[row];
      this.batchOf[u] = batch;
      this.rowOf[u] = row;
      if (this.segmenter === undefined) continue;
      segments ??= this.segmenter.bind(batch);
      this.segmentsAt[u] = this.lists.add(segments.out, segments.segmentsOf(row));
    }
  }

  /** Whether a row comes before user u's joining row so far, by time, then offset. */
  private isEarlier(batch: ScanBatch, row: number, u: number): boolean {
    const t = batch.time[row];
    if (t !== this.time[u]) return t < this.time[u];
    return batch.offsets[row] < this.batchOf[u].offsets[this.rowOf[u]];
  }
}
