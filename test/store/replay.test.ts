import assert from "node:assert/strict";
import { after, test } from "node:test";
import { EventStore } from "../../src/store/event-store.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";
import { readAll, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const START = Date.UTC(2024, 6, 1) / 1000;

test("appending the same offsets again stores nothing twice, in the buffer, after sealing and after reopening", async () => {
  const dir = tempDir();
  const events = randomEvents(seededRandom(9), 150, 0, START, 3);
  let store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    assert.equal(await store.append(1, "UTC", events.slice(0, 100)), 100);
    assert.equal(await store.append(1, "UTC", events.slice(0, 100)), 0, "a whole replay is skipped");
    assert.equal(
      await store.append(1, "UTC", events.slice(50, 150)),
      50,
      "an overlapping replay adds only the new",
    );
    await store.sealAll();
    assert.equal(await store.append(1, "UTC", events), 0, "sealed offsets are remembered");
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
  store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    assert.equal(await store.append(1, "UTC", events.slice(120)), 0, "and remembered across a restart");
    await store.compact();
    assert.equal(await store.append(1, "UTC", events), 0, "and after compaction");
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
});

test("an event that is not a stored event is refused with its index and field", async () => {
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    const good = randomEvents(seededRandom(1), 2, 0, START);
    const bad = { ...good[1], time: Number.NaN };
    await assert.rejects(store.append(1, "UTC", [good[0], bad]), {
      code: "store_invalid",
      message: /event 1: time/,
    });
    assert.deepEqual(readAll(store, 1), [], "nothing of a refused batch is stored");
  } finally {
    await store.close();
  }
});

test("a second store on the same directory is refused while the first is open", async () => {
  const dir = tempDir();
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    await assert.rejects(EventStore.open(dir), { code: "store_invalid" });
  } finally {
    await store.close();
  }
  await (await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false })).close();
});
