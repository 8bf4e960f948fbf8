// Birth retention's second scan: for each user who joined, which of the `interval_count + 1`
// buckets from their joining one they returned in — a bit each, set in one pass over the returning
// rows. A return counts in the joining bucket only at or after the joining moment (even when
// ingested before the born event), so the latest return of a user in a bucket is the one that
// decides. Hot path: typed arrays, one test per run of a stored id rather than per row.

import type { TimeBuckets } from "../time-buckets.js";
import { BucketCursor } from "./bucket-cursor.js";
import type { Births } from "./retention-births.js";
import { type Memberships, Returns } from "./retention-walk.js";
import type { KeptRows, RowSink } from "./scan.js";

export class ReturnBuckets implements RowSink {
  private readonly words: number;
  private readonly cursor: BucketCursor;
  private bits = new Int32Array(0);

  /** `buckets`: those of the scan (the range's and `interval_count` more). */
  constructor(
    private readonly births: Births,
    private readonly intervalCount: number,
    buckets: TimeBuckets,
  ) {
    this.words = (intervalCount + 32) >>> 5;
    this.cursor = new BucketCursor(buckets);
  }

  begin(): void {
    this.bits = new Int32Array(this.births.users * this.words);
  }

  /** Wants a scan with `perRow: false`: it reads the rows and the users of the dictionary's codes. */
  take(kept: KeptRows): void {
    if (kept.bucket >= 0) this.takeRuns(kept);
    else this.takeRows(kept);
  }

  /**
   * Hot path: a batch within one bucket, whose rows of one stored id sit together in time order:
   * of each such run only the last (latest) row can add anything.
   */
  private takeRuns(kept: KeptRows): void {
    const { rows, count, bucket } = kept;
    const ids = kept.batch.distinctIds.codes;
    const time = kept.batch.time;
    const userOf = kept.userOfCode as Int32Array;
    // Rows kept in ascending order, as many as the batch has: all of them, whose runs are cached.
    if (count === kept.batch.length) {
      const ends = kept.batch.idRunEnds();
      for (let r = 0; r < ends.length; r++) this.mark(userOf[ids[ends[r]]], bucket, time[ends[r]]);
      return;
    }
    for (let k = 0; k < count; k++) {
      const row = rows[k];
      const id = ids[row];
      if (k + 1 < count && ids[rows[k + 1]] === id) continue;
      this.mark(userOf[id], bucket, time[row]);
    }
  }

  /** A batch across buckets: row by row. */
  private takeRows(kept: KeptRows): void {
    const { rows, count } = kept;
    const ids = kept.batch.distinctIds.codes;
    const time = kept.batch.time;
    const userOf = kept.userOfCode as Int32Array;
    for (let k = 0; k < count; k++) {
      const row = rows[k];
      this.mark(userOf[ids[row]], this.cursor.bucketOf(time[row]), time[row]);
    }
  }

  /** User u returned in `bucket` at `t`. */
  private mark(u: number, bucket: number, t: number): void {
    // Users first met by the second scan have numbers past the births' and never joined; a row
    // without an id (code -1) has no user either.
    if (!(u >= 0 && u < this.births.users)) return;
    const joined = this.births.bucket[u];
    if (joined < 0) return;
    const i = bucket - joined;
    if (i < 0 || i > this.intervalCount || (i === 0 && t < this.births.time[u])) return;
    this.bits[u * this.words + (i >>> 5)] |= 1 << (i & 31);
  }

  /** Lists the buckets user u returned in, counted from their joining one, into `returns`. */
  listInto(u: number, returns: Returns): void {
    const { bits, words } = this;
    returns.n = 0;
    for (let w = 0; w < words; w++) {
      let word = bits[u * words + w];
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        returns.later[returns.n++] = w * 32 + bit;
        word &= word - 1;
      }
    }
  }
}

/** Reports each user who joined, in the order of their numbers, with the buckets they returned in. */
export function walkBirths(
  births: Births,
  returned: ReturnBuckets,
  intervalCount: number,
  into: Memberships,
): void {
  const returns = new Returns(intervalCount);
  for (let u = 0; u < births.users; u++) {
    const bucket = births.bucket[u];
    if (bucket < 0) continue;
    if (into.needsReturns) returned.listInto(u, returns);
    into.join(bucket, births.segmentsAt[u], returns);
  }
}
