import assert from "node:assert/strict";
import { after, test } from "node:test";
import { supersededRows } from "../../src/store/dedup.js";
import { EventStore } from "../../src/store/event-store.js";
import type { StoredEvent } from "../../src/store/stored-event.js";
import { removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const T = Date.UTC(2024, 3, 1, 12) / 1000;

function event(offset: number, change: Partial<StoredEvent>): StoredEvent {
  return {
    event: "Buy",
    distinctId: "u",
    time: T,
    insertId: "i1",
    properties: { n: offset },
    offset,
    ...change,
  };
}

test("the latest ingested of events sharing event, distinct id, second and insert id wins, across buffer and segments", async () => {
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    await store.append(1, "UTC", [
      event(0, {}),
      event(1, { time: T + 0.5 }),
      event(2, { time: T + 1 }),
      event(3, { event: "Sell" }),
      event(4, { distinctId: "v" }),
      event(5, { insertId: null }),
      event(6, { insertId: null }),
    ]);
    await store.sealAll();
    await store.append(1, "UTC", [event(7, { time: T + 0.9 })]);
    const snapshot = store.partitions(1, "2024-04-01", "2024-04-01");
    try {
      const batches = snapshot.partitions[0].batches;
      const marks = supersededRows(batches);
      const dropped: number[] = [];
      batches.forEach((b, k) => {
        for (let i = 0; i < b.length; i++) if (marks[k][i] === 1) dropped.push(b.offsets[i]);
      });
      assert.deepEqual(
        dropped.sort(),
        [0, 1],
        "offsets 0 and 1 lose to 7; the rest differ or have no insert id",
      );
    } finally {
      snapshot.release();
    }
  } finally {
    await store.close();
  }
});
