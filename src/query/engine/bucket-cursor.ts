// Maps instants to bucket indexes (time-buckets.ts) for a scan. Rows of a batch are in time order
// within each user, so the next row usually falls in the stretch of the one before: checking that
// stretch first makes the common case two comparisons, and a binary search does the rest.

import type { TimeBuckets } from "../time-buckets.js";

export class BucketCursor {
  /** Stretch starts followed by the span's end. */
  private readonly bounds: Float64Array;
  private readonly labels: Int32Array;
  private readonly start: number;
  private readonly end: number;
  private k = 0;

  constructor(buckets: TimeBuckets) {
    const starts = buckets.stretchStarts;
    this.bounds = new Float64Array(starts.length + 1);
    this.bounds.set(starts);
    this.bounds[starts.length] = buckets.span.end;
    this.labels = buckets.stretchLabels;
    this.start = buckets.span.start;
    this.end = buckets.span.end;
  }

  /** The bucket of every instant in [least, greatest] when they share one stretch, else -1. */
  bucketOver(least: number, greatest: number): number {
    const label = this.bucketOf(least);
    // bucketOf leaves `k` at least's stretch whenever it finds one.
    return label >= 0 && greatest < this.bounds[this.k + 1] ? label : -1;
  }

  /** The bucket of an instant, or -1 outside the span. */
  bucketOf(t: number): number {
    const b = this.bounds;
    let k = this.k;
    if (t >= b[k] && t < b[k + 1]) return this.labels[k];
    if (!(t >= this.start && t < this.end)) return -1;
    let lo = 0;
    let hi = this.labels.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (b[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    k = lo;
    this.k = k;
    return this.labels[k];
  }
}
