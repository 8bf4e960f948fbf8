// Birth retention's return bits: a return counts i buckets after the joining one for i up to
// interval_count, in the joining bucket only from the joining moment; a batch within one bucket
// is read per run of a stored id, any other row by row, with the same result.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { idRunEnds } from "../../../src/query/engine/event-rows.js";
import { SegmentLists } from "../../../src/query/engine/funnel-segment-lists.js";
import { spanBuckets } from "../../../src/query/engine/period-buckets.js";
import { Births } from "../../../src/query/engine/retention-births.js";
import { ReturnBuckets } from "../../../src/query/engine/retention-returns.js";
import { Returns } from "../../../src/query/engine/retention-walk.js";
import type { KeptRows } from "../../../src/query/engine/scan.js";
import type { ScanBatch } from "../../../src/query/engine/scan-batch.js";

/** Buckets 0 … 3 of 100 seconds each. */
const BUCKETS = spanBuckets([0, 1, 2, 3].map((b) => ({ start: b * 100, end: b * 100 + 100 })));

/** Rows as a batch keeps them: grouped by stored id, in time order within each. */
function kept(rows: readonly [id: number, time: number][], bucket: number): KeptRows {
  const codes = Int32Array.from(rows, (r) => r[0]);
  const batch = {
    length: rows.length,
    distinctIds: { codes, dictionary: [] },
    time: Float64Array.from(rows, (r) => r[1]),
    idRunEnds: () => idRunEnds(codes),
  } as unknown as ScanBatch;
  const none = new Int32Array(0);
  return {
    batch,
    count: rows.length,
    rows: Uint32Array.from(rows, (_, i) => i),
    bucket,
    buckets: none,
    events: none,
    users: none,
    userOfCode: Int32Array.of(0, 1, 2, -1),
  };
}

/** Users 0 and 1 joined bucket 0 at 50 and bucket 1 at 150; user 2 never joined. */
function births(): Births {
  const b = new Births(undefined, new SegmentLists());
  b.begin(3);
  b.bucket.set([0, 1, -1]);
  b.time.set([50, 150, 0]);
  return b;
}

function returnsOf(sink: ReturnBuckets, users: number): number[][] {
  const returns = new Returns(2);
  return Array.from({ length: users }, (_, u) => {
    sink.listInto(u, returns);
    return Array.from(returns.later.subarray(0, returns.n)).sort((a, b) => a - b);
  });
}

describe("birth retention's returns", () => {
  it("counts returns up to interval_count buckets on, in the joining bucket only from the joining moment", () => {
    const sink = new ReturnBuckets(births(), 2, BUCKETS);
    sink.begin();
    sink.take(
      kept(
        [
          [0, 10],
          [0, 250],
          [0, 399],
          [1, 120],
          [1, 160],
          [1, 390],
          [2, 100],
          [3, 100],
        ],
        -1,
      ),
    );
    assert.deepEqual(returnsOf(sink, 3), [[2], [0, 2], []]);
  });

  it("gives the same bits read per run of a stored id as read row by row", () => {
    const rows: [number, number][] = [
      [0, 20],
      [0, 60],
      [1, 10],
      [1, 40],
      [2, 70],
    ];
    const byRun = new ReturnBuckets(births(), 2, BUCKETS);
    byRun.begin();
    byRun.take(kept(rows, 0));
    const byRow = new ReturnBuckets(births(), 2, BUCKETS);
    byRow.begin();
    byRow.take(kept(rows, -1));
    assert.deepEqual(returnsOf(byRun, 3), [[0], [], []]);
    assert.deepEqual(returnsOf(byRun, 3), returnsOf(byRow, 3));
  });
});
