import assert from "node:assert/strict";
import { after, test } from "node:test";
import { columnValue } from "../../src/expr/columns.js";
import { EventStore } from "../../src/store/event-store.js";
import type { StoredEvent } from "../../src/store/stored-event.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";
import { exactText, readAll, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const START = Date.UTC(2024, 2, 9) / 1000;

function assertSame(actual: StoredEvent[], expected: StoredEvent[], stage: string): void {
  assert.equal(actual.length, expected.length, `${stage}: row count`);
  assert.deepStrictEqual(actual, expected, stage);
  assert.deepEqual(exactText(actual), exactText(expected), `${stage}: -0 and key order`);
}

/** Every column a batch offers reads the same value as the row rebuilt for export. */
function assertColumnsMatchRows(store: EventStore, stage: string): void {
  const snapshot = store.partitions(1, "0000-00-00", "9999-99-99");
  try {
    for (const p of snapshot.partitions) {
      for (const batch of p.batches) {
        for (const name of batch.propertyNames()) {
          const column = batch.property(name);
          assert.ok(column, `${stage}: column ${name}`);
          for (let i = 0; i < batch.length; i++) {
            const props = batch.row(i).properties;
            const expected = Object.hasOwn(props, name) ? props[name] : undefined;
            assert.deepStrictEqual(columnValue(column, i), expected, `${stage}: ${name} row ${i}`);
          }
        }
        for (let i = 1; i < batch.length; i++) {
          const a = batch.row(i - 1);
          const b = batch.row(i);
          const ordered = a.distinctId < b.distinctId || (a.distinctId === b.distinctId && a.time <= b.time);
          assert.ok(ordered, `${stage}: rows sorted by (distinctId, time)`);
          assert.equal(batch.time[i], b.time);
        }
      }
    }
  } finally {
    snapshot.release();
  }
}

test("random events of every JSON kind read back identical from the buffer, after sealing, after compaction and after reopening", async () => {
  const rand = seededRandom(20240309);
  const dir = tempDir();
  const first = randomEvents(rand, 300, 0, START);
  const second = randomEvents(rand, 300, 300, START);
  const all = [...first, ...second];
  let store = await EventStore.open(dir, { maintenanceIntervalMs: 0 });
  try {
    assert.equal(await store.append(1, "UTC", first.slice(0, 120)), 120);
    assert.equal(await store.append(1, "UTC", first.slice(120)), 180);
    assertSame(readAll(store, 1), first, "buffer");
    await store.sealAll();
    assert.equal(await store.append(1, "UTC", second), 300);
    assertSame(readAll(store, 1), all, "segments and buffer");
    await store.sealAll();
    assertSame(readAll(store, 1), all, "two segments a day");
    assertColumnsMatchRows(store, "sealed");
    assert.ok((await store.compact()) >= 2, "each day's two segments are merged");
    assertSame(readAll(store, 1), all, "compacted");
    assertColumnsMatchRows(store, "compacted");
    assert.deepEqual(store.days(1), ["2024-03-09", "2024-03-10"]);
  } finally {
    await store.close();
  }
  store = await EventStore.open(dir, { maintenanceIntervalMs: 0 });
  try {
    assertSame(readAll(store, 1), all, "reopened");
  } finally {
    await store.close();
  }
});

test("a day's range of partitions holds only the events of those days", async () => {
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    const events = randomEvents(seededRandom(7), 100, 0, START);
    await store.append(1, "UTC", events);
    const onFirstDay = events.filter((e) => e.time < START + 86_400);
    assertSame(readAll(store, 1, "2024-03-09", "2024-03-09"), onFirstDay, "first day");
    assert.deepEqual(readAll(store, 2), [], "another project sees nothing");
  } finally {
    await store.close();
  }
});
