import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { columnValue, Tag } from "../../src/expr/columns.js";
import { BufferBatch } from "../../src/store/buffer-batch.js";
import { EventStore } from "../../src/store/event-store.js";
import type { StoredEvent } from "../../src/store/stored-event.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";
import { readAll, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const DAY_START = Date.UTC(2024, 8, 1) / 1000;
const T = DAY_START + 36_000;

function event(offset: number, distinctId: string, properties: StoredEvent["properties"]): StoredEvent {
  return {
    event: "View",
    distinctId,
    time: T + offset,
    insertId: offset % 2 ? `i${offset}` : null,
    properties,
    offset,
  };
}

test("the system columns read as properties distinct_id, $insert_id and $original_distinct_id", async () => {
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    await store.append(1, "UTC", [
      event(0, "b", { country: "DE", amount: 70 }),
      { ...event(1, "a", { country: "US" }), originalDistinctId: "anon" },
      event(2, "b", { amount: "n/a" }),
    ]);
    for (const stage of ["buffer", "segment"]) {
      if (stage === "segment") await store.sealAll();
      const snapshot = store.partitions(1, "2024-09-01", "2024-09-01");
      const [batch] = snapshot.partitions[0].batches;
      const values = (name: string) => {
        const column = batch.property(name);
        return column === undefined
          ? undefined
          : Array.from({ length: batch.length }, (_, i) => columnValue(column, i));
      };
      assert.deepEqual(values("distinct_id"), ["a", "b", "b"], `${stage}: sorted by distinct id`);
      assert.deepEqual(values("$insert_id"), ["i1", undefined, undefined], stage);
      assert.deepEqual(values("$original_distinct_id"), ["anon", undefined, undefined], stage);
      assert.deepEqual(values("amount"), [undefined, 70, "n/a"], stage);
      assert.equal(batch.property("missing"), undefined, stage);
      const amount = batch.property("amount")!;
      assert.deepEqual(Array.from(amount.tags), [Tag.Absent, Tag.Number, Tag.String], stage);
      assert.ok(Number.isNaN(amount.numbers![2]), `${stage}: NaN where a row holds no number`);
      assert.equal(amount.codes![1], -1, `${stage}: -1 where a row holds no string`);
      assert.deepEqual(Array.from(batch.time), [T + 1, T, T + 2], stage);
      snapshot.release();
    }
  } finally {
    await store.close();
  }
});

test("a snapshot taken before compaction reads to its end after the merged files are deleted", async () => {
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    const events = randomEvents(seededRandom(21), 90, 0, DAY_START, 1);
    for (let i = 0; i < 90; i += 30) {
      await store.append(1, "UTC", events.slice(i, i + 30));
      await store.sealAll();
    }
    const before = store.partitions(1, "0000-00-00", "9999-99-99");
    assert.equal(before.partitions[0].batches.length, 3);
    assert.equal(await store.compact(), 1);
    const rows = before.partitions[0].batches.flatMap((b) =>
      Array.from({ length: b.length }, (_, i) => b.row(i)),
    );
    before.release();
    assert.deepStrictEqual(
      rows.sort((a, b) => a.offset - b.offset),
      events,
    );
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
});

test("background work seals a buffer that has grown old and compacts a day of small segments", async () => {
  let clock = 1_000_000;
  const store = await EventStore.open(tempDir(), {
    maintenanceIntervalMs: 5,
    sealAgeMs: 60_000,
    compactMinSegments: 2,
    sealInWorker: false,
    now: () => clock,
  });
  try {
    const events = randomEvents(seededRandom(8), 40, 0, DAY_START, 1);
    const sealedOnce = async (batch: StoredEvent[]) => {
      await store.append(1, "UTC", batch);
      clock += 60_000;
      for (let i = 0; i < 200 && readSegments(store) === 0; i++) await sleep(5);
    };
    await sealedOnce(events.slice(0, 20));
    await sealedOnce(events.slice(20));
    for (let i = 0; i < 200 && readSegments(store) !== 1; i++) await sleep(5);
    assert.equal(readSegments(store), 1, "two small segments became one");
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
});

/** How many sealed segments the project's days hold, with nothing left in a buffer (else 0). */
function readSegments(store: EventStore): number {
  const snapshot = store.partitions(1, "0000-00-00", "9999-99-99");
  try {
    const batches = snapshot.partitions.flatMap((p) => p.batches);
    const buffered = batches.some((b) => b instanceof BufferBatch);
    return buffered ? 0 : batches.length;
  } finally {
    snapshot.release();
  }
}
