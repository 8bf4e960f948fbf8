// Retention's numbers per segment slot and cohort bucket in one flat typed array: for each,
// `first` (users who joined) followed by `counts[0 … interval_count]` (of them, users who returned
// i buckets later). Without `on` there is one slot; with it, one per listed segment, after a first
// pass that counts users joined per segment.

import type { SegmentLists } from "./funnel-segment-lists.js";
import { countSegments } from "./funnel-segment-slots.js";
import { QueryLimitError } from "./limits.js";
import type { Memberships, Returns } from "./retention-walk.js";

export class RetentionCohorts implements Memberships {
  readonly needsReturns = true;
  /** Per cell: first, then interval_count + 1 counts. */
  readonly cells: Float64Array;
  readonly width: number;

  /** `slots`: per `on` segment id, its slot or -1; undefined without `on` (one slot). */
  constructor(
    segments: number,
    readonly buckets: number,
    intervalCount: number,
    private readonly lists: SegmentLists,
    private readonly slots: Int32Array | undefined,
    maxCells: number,
  ) {
    this.width = intervalCount + 2;
    const cells = segments * buckets * this.width;
    if (cells > maxCells) {
      throw new QueryLimitError(
        "maxCells",
        `${segments.toLocaleString("en-US")} segments × ${buckets.toLocaleString("en-US")} cohorts × ${this.width} counts exceed ${maxCells.toLocaleString("en-US")}; narrow the range or interval_count`,
      );
    }
    this.cells = new Float64Array(cells);
  }

  /** Where a slot's cohort of one bucket starts. */
  base(slot: number, bucket: number): number {
    return (slot * this.buckets + bucket) * this.width;
  }

  join(bucket: number, segmentsAt: number, returns: Returns): void {
    const slots = this.slots;
    if (slots === undefined) {
      this.add(0, bucket, returns);
      return;
    }
    const ids = this.lists.ids;
    for (let k = segmentsAt + 1; k <= segmentsAt + ids[segmentsAt]; k++) {
      if (slots[ids[k]] >= 0) this.add(slots[ids[k]], bucket, returns);
    }
  }

  /** Hot path: one user joined `bucket`'s cohort and returned as `returns` lists. */
  private add(slot: number, bucket: number, returns: Returns): void {
    const base = this.base(slot, bucket);
    const cells = this.cells;
    cells[base]++;
    for (let k = 0; k < returns.n; k++) cells[base + 1 + returns.later[k]]++;
  }

  /** `{counts, first}` of one cohort, as the reply holds it. */
  cohort(slot: number, bucket: number): { counts: number[]; first: number } {
    const base = this.base(slot, bucket);
    return { counts: Array.from(this.cells.subarray(base + 1, base + this.width)), first: this.cells[base] };
  }
}

/** The first pass with `on`: users joined per segment id. */
export class JoinCounts implements Memberships {
  readonly needsReturns = false;
  readonly counts: Float64Array;

  constructor(
    segments: number,
    private readonly lists: SegmentLists,
  ) {
    this.counts = new Float64Array(segments);
  }

  join(_bucket: number, segmentsAt: number): void {
    countSegments(this.lists, segmentsAt, this.counts);
  }
}
