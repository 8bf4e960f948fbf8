// Retention's memberships (src/query/README.md, retention): each counts the distinct i in
// 0 … interval_count for which a return lies i buckets after the joining one, at or after the
// joining moment. Birth retention finds them with two scans (retention-births.ts,
// retention-returns.ts); compounded retention, which joins the cohort of each bucket of the range
// at a user's first return there, over each user's rows in time order, here. Cohort units (day,
// week, month) never repeat a label, so buckets grow with time and a scan forward stops once past
// interval_count.

import { BUCKET, MASK, RECORD, SOURCE, TIME, type Timelines, type UserOrder } from "./funnel-timelines.js";
import { RETURNING } from "./retention-sink.js";

/** Which i were counted for the current membership: `later[0 … n)`. */
export class Returns {
  readonly later: Int32Array;
  private readonly stamps: Int32Array;
  private stamp = 0;
  n = 0;

  constructor(intervalCount: number) {
    this.later = new Int32Array(intervalCount + 1);
    this.stamps = new Int32Array(intervalCount + 1);
  }

  /** Hot path: the returns among records `from` … `to - 1` at or after `since`, counted from bucket `joined`. */
  collect(records: Float64Array, from: number, to: number, since: number, joined: number): void {
    const last = this.later.length - 1;
    this.stamp++;
    this.n = 0;
    for (let j = from; j < to; j++) {
      const at = j * RECORD;
      if ((records[at + MASK] & RETURNING) === 0 || records[at + TIME] < since) continue;
      const i = records[at + BUCKET] - joined;
      if (i > last) break;
      if (this.stamps[i] === this.stamp) continue;
      this.stamps[i] = this.stamp;
      this.later[this.n++] = i;
    }
  }
}

/** What the walks report each membership to. */
export interface Memberships {
  /** Whether `join` reads the returns (counting segments does not). */
  readonly needsReturns: boolean;
  /** A user joined `bucket`'s cohort by a row whose segments are listed at `segmentsAt`. */
  join(bucket: number, segmentsAt: number, returns: Returns): void;
}

export function walkCompounded(
  timelines: Timelines,
  order: UserOrder,
  intervalCount: number,
  range: { readonly buckets: number; readonly end: number },
  into: Memberships,
): void {
  const { starts, records } = order;
  const returns = new Returns(intervalCount);
  const joined = new Int32Array(range.buckets).fill(-1);
  for (let u = 0; u + 1 < starts.length; u++) {
    const end = starts[u + 1];
    for (let j = starts[u]; j < end; j++) {
      const at = j * RECORD;
      if (records[at + TIME] >= range.end) break;
      const b = records[at + BUCKET];
      if (joined[b] === u) continue;
      joined[b] = u;
      if (into.needsReturns) returns.collect(records, j, end, records[at + TIME], b);
      into.join(b, timelines.segmentsAt[records[at + SOURCE]], returns);
    }
  }
}
