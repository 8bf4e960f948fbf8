// Gathers the rows a funnel needs into Timelines: per kept row (its event is a step's, `where`
// kept it), the steps it does as bits — each step whose event it is, if the step's selector (when
// it has one) keeps it — and, for a possible entry, its bucket of the range and its segments of `on`.
//
// A row that can only be step 1 matters only as an entry, and an entry is a user's first step-1
// row of a bucket; rows of one stored id come in time order within a batch, so of a run of step-1
// rows of one stored id and bucket only the first is kept. That drops most rows of a frequent
// first step before anything is sorted.

import type { CompiledExpr } from "../../expr/compile.js";
import type { FunnelStep } from "../params-funnel.js";
import type { SegmentLists } from "./funnel-segment-lists.js";
import type { Timelines } from "./funnel-timelines.js";
import { LastRun } from "./per-batch.js";
import type { QueryEvents } from "./query-events.js";
import type { KeptRows, RowSink } from "./scan.js";
import type { ScanBatch } from "./scan-batch.js";
import type { ValueSegmenter } from "./segmenter.js";

/** What the sink needs to know of the funnel. */
export interface FunnelShape {
  readonly steps: readonly FunnelStep[];
  /** Each step's compiled selector, or undefined. */
  readonly selectors: readonly (CompiledExpr | undefined)[];
  readonly events: QueryEvents;
  /** Buckets of the range; scan buckets at or past this index lie after it. */
  readonly buckets: number;
  readonly segmenter: ValueSegmenter | undefined;
}

export class FunnelSink implements RowSink {
  users = 0;
  private readonly run = new LastRun<ScanBatch>();
  /** Per step, its event's query number. */
  private readonly stepEvents: Int32Array;
  /** Per query event number, the steps without a selector that it does. */
  private readonly plainSteps: Int32Array;

  constructor(
    private readonly shape: FunnelShape,
    private readonly timelines: Timelines,
    private readonly lists: SegmentLists,
  ) {
    const names = shape.events.names;
    this.stepEvents = Int32Array.from(shape.steps, (step) => names.indexOf(step.event));
    this.plainSteps = new Int32Array(names.length);
    shape.steps.forEach((_, s) => {
      if (shape.selectors[s] === undefined) this.plainSteps[this.stepEvents[s]] |= 1 << s;
    });
  }

  begin(users: number): void {
    this.users = users;
  }

  /** Selectors and an `on` that is not a plain read are evaluated per row. */
  get takesChunks(): boolean {
    return (
      this.shape.segmenter?.evaluatesPerRow === true || this.shape.selectors.some((s) => s !== undefined)
    );
  }

  take(kept: KeptRows): void {
    // Steps with a selector are marked per batch; the others are read from the table while gathering.
    const { selectors } = this.shape;
    this.timelines.marks.fill(kept.count, 0);
    for (let s = 0; s < selectors.length; s++) {
      const selector = selectors[s];
      if (selector === undefined) continue;
      this.timelines.marks.markEvent(kept, kept.events, this.stepEvents[s], selector, 1 << s);
    }
    this.gather(kept);
  }

  /** Hot path: appends the rows that do a step to the timelines. */
  private gather(kept: KeptRows): void {
    const { rows, users, buckets, count } = kept;
    const batch = kept.batch;
    const time = batch.time;
    const offsets = batch.offsets;
    const ids = batch.distinctIds.codes;
    const masks = this.timelines.marks.masks;
    const plain = this.plainSteps;
    const events = kept.events;
    const inRange = this.shape.buckets;
    const segments = this.shape.segmenter?.bind(batch);
    this.timelines.reserve(count);
    const run = this.run;
    run.enter(batch);
    let lastId = run.id;
    let lastBucket = run.bucket;
    for (let k = 0; k < count; k++) {
      let mask = plain[events[k]] | masks[k];
      const user = users[k];
      if (mask === 0 || user < 0) continue;
      const row = rows[k];
      const bucket = buckets[k] < inRange ? buckets[k] : -1;
      let segmentsAt = -1;
      if ((mask & 1) === 1 && bucket < 0) mask &= ~1;
      else if ((mask & 1) === 1) {
        const id = ids[row];
        if (id === lastId && bucket === lastBucket) {
          if (mask === 1) continue;
        } else {
          lastId = id;
          lastBucket = bucket;
          if (segments !== undefined) {
            const n = segments.segmentsOf(row);
            segmentsAt = this.lists.add(segments.out, n);
          }
        }
      }
      if (mask !== 0) this.timelines.push(user, time[row], offsets[row], mask, bucket, segmentsAt);
    }
    run.id = lastId;
    run.bucket = lastBucket;
  }
}
