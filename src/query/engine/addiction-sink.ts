// Gathers what retention/addiction needs of each kept row: its user, its `unit` bucket and its
// `addiction_unit` bucket. Only whether a user was active in a fine bucket matters, and rows of one
// stored id come in time order within a batch, so of a run of rows of one stored id and fine
// bucket only the first is kept.

import type { TimeBuckets } from "../time-buckets.js";
import { BucketCursor } from "./bucket-cursor.js";
import type { KeptRows, RowSink } from "./scan.js";

export class AddictionSink implements RowSink {
  users = 0;
  length = 0;
  user = new Int32Array(1024);
  unit = new Int32Array(1024);
  fine = new Int32Array(1024);
  private readonly cursor: BucketCursor;

  constructor(units: TimeBuckets) {
    this.cursor = new BucketCursor(units);
  }

  begin(users: number): void {
    this.users = users;
  }

  /** Hot path. `kept.buckets` are the fine buckets. */
  take(kept: KeptRows): void {
    const { rows, users, buckets, count } = kept;
    const ids = kept.batch.distinctIds.codes;
    const time = kept.batch.time;
    let lastId = -1;
    let lastFine = -1;
    for (let k = 0; k < count; k++) {
      if (users[k] < 0) continue;
      const id = ids[rows[k]];
      if (id === lastId && buckets[k] === lastFine) continue;
      lastId = id;
      lastFine = buckets[k];
      if (this.length === this.user.length) this.grow();
      const i = this.length++;
      this.user[i] = users[k];
      this.unit[i] = this.cursor.bucketOf(time[rows[k]]);
      this.fine[i] = buckets[k];
    }
  }

  private grow(): void {
    const size = this.user.length * 2;
    for (const name of ["user", "unit", "fine"] as const) {
      const grown = new Int32Array(size);
      grown.set(this[name]);
      this[name] = grown;
    }
  }
}
