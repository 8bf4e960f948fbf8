// Gathers the rows compounded retention needs into Timelines, with their bucket of the extended
// span (the range and `interval_count` units after it): the returning rows (the returning event or
// any, kept by `where`). A user joins at their first return of each bucket, and that return is all
// the bucket needs, so of a run of returns of one stored id and bucket only the first is kept (rows
// of one stored id come in time order within a batch). Rows are appended in batch order, so that
// each user's rows stay in time order.

import type { CompiledExpr } from "../../expr/compile.js";
import { ANY_EVENT } from "./funnel-row-marks.js";
import type { SegmentLists } from "./funnel-segment-lists.js";
import type { Timelines } from "./funnel-timelines.js";
import { LastRun } from "./per-batch.js";
import type { KeptRows, RowSink } from "./scan.js";
import type { ScanBatch } from "./scan-batch.js";
import type { BatchSegments, ValueSegmenter } from "./segmenter.js";

export const RETURNING = 2;

export interface RetentionShape {
  /** undefined: any event returns. */
  readonly event: string | undefined;
  readonly where: CompiledExpr | undefined;
  /** Where the range ends: users join only before it. */
  readonly rangeEnd: number;
  readonly segmenter: ValueSegmenter | undefined;
}

export class RetentionSink implements RowSink {
  users = 0;
  private readonly run = new LastRun<ScanBatch>();

  constructor(
    private readonly shape: RetentionShape,
    private readonly timelines: Timelines,
    private readonly lists: SegmentLists,
  ) {}

  begin(users: number): void {
    this.users = users;
  }

  /** `where`, and an `on` that is not a plain read, are evaluated per row. */
  get takesChunks(): boolean {
    return this.shape.segmenter?.evaluatesPerRow === true || this.shape.where !== undefined;
  }

  take(kept: KeptRows): void {
    const { shape } = this;
    const marks = this.timelines.marks;
    this.timelines.reserve(kept.count);
    if (shape.event === undefined && shape.where === undefined) marks.fill(kept.count, RETURNING);
    else {
      marks.fill(kept.count, 0);
      const returning =
        shape.event === undefined ? ANY_EVENT : kept.batch.events.dictionary.indexOf(shape.event);
      if (returning !== -1) marks.markCode(kept, returning, Number.POSITIVE_INFINITY, shape.where, RETURNING);
    }
    this.gather(kept);
  }

  /** Hot path: the first return of each run of one stored id and bucket. */
  private gather(kept: KeptRows): void {
    const { rows, users, buckets, count } = kept;
    const time = kept.batch.time;
    const ids = kept.batch.distinctIds.codes;
    const masks = this.timelines.marks.masks;
    const segments = this.shape.segmenter?.bind(kept.batch);
    const run = this.run;
    run.enter(kept.batch);
    let lastId = run.id;
    let lastBucket = run.bucket;
    for (let k = 0; k < count; k++) {
      if (masks[k] === 0 || users[k] < 0) continue;
      const id = ids[rows[k]];
      if (id === lastId && buckets[k] === lastBucket) continue;
      lastId = id;
      lastBucket = buckets[k];
      const joins = time[rows[k]] < this.shape.rangeEnd;
      this.push(kept, k, joins ? this.segmentsOf(segments, rows[k]) : -1);
    }
    run.id = lastId;
    run.bucket = lastBucket;
  }

  /** Where the segments of a row that may join a cohort are listed; -1 without `on`. */
  private segmentsOf(segments: BatchSegments | undefined, row: number): number {
    if (segments === undefined) return -1;
    const n = segments.segmentsOf(row);
    return this.lists.add(segments.out, n);
  }

  private push(kept: KeptRows, k: number, segmentsAt: number): void {
    const row = kept.rows[k];
    const batch = kept.batch;
    this.timelines.push(
      kept.users[k],
      batch.time[row],
      batch.offsets[row],
      RETURNING,
      kept.buckets[k],
      segmentsAt,
    );
  }
}
