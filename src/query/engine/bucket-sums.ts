// Exact sums per bucket (reference/exact-sum.ts), with a fast lane: whole numbers of moderate size
// add up exactly in a plain double while the total stays below 2^53, so they are summed there and
// handed to the exact sum only when it nears that bound and at the end. The result is the same
// double the reference gets, whatever the order of rows.

import { ExactSum } from "../reference/exact-sum.js";

const WHOLE_LIMIT = 2 ** 31;
const FLUSH_AT = 2 ** 52;

export class BucketSums {
  private readonly whole: Float64Array;
  private readonly exact: ExactSum[];
  /** Rows counted per bucket, numbers or not. */
  readonly counts: Float64Array;

  constructor(buckets: number) {
    this.whole = new Float64Array(buckets);
    this.exact = Array.from({ length: buckets }, () => new ExactSum());
    this.counts = new Float64Array(buckets);
  }

  add(bucket: number, v: number): void {
    this.counts[bucket]++;
    if (Number.isInteger(v) && v <= WHOLE_LIMIT && v >= -WHOLE_LIMIT) {
      const sum = this.whole[bucket] + v;
      if (sum > FLUSH_AT || sum < -FLUSH_AT) {
        this.exact[bucket].add(sum);
        this.whole[bucket] = 0;
      } else this.whole[bucket] = sum;
      return;
    }
    this.exact[bucket].add(v);
  }

  sum(bucket: number): number {
    return this.total(bucket).value();
  }

  /** The bucket's sum over its rows; 0 with none. */
  average(bucket: number): number {
    const count = this.counts[bucket];
    return count === 0 ? 0 : this.total(bucket).dividedBy(count);
  }

  private total(bucket: number): ExactSum {
    const total = new ExactSum();
    total.merge(this.exact[bucket]);
    total.add(this.whole[bucket]);
    return total;
  }
}
