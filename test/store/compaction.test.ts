import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EventStore } from "../../src/store/event-store.js";
import { readManifest } from "../../src/store/manifest.js";
import type { StoredEvent } from "../../src/store/stored-event.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";
import { readAll, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const START = Date.UTC(2024, 4, 14) / 1000;
const DAY = "2024-05-14";

async function segmentsOf(dir: string): Promise<number> {
  return (await readManifest(join(dir, "1", DAY)))?.segments.length ?? 0;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 5) {
    if (waited > 10_000) throw new Error("timed out");
    await sleep(5);
  }
}

/** Appends `events` in chunks of `sealRows`, each sealed into a segment of its own before the next: a burst. */
async function appendInBurst(store: EventStore, dir: string, events: StoredEvent[], sealRows: number) {
  for (let at = 0; at < events.length; at += sealRows) {
    await store.append(1, "UTC", events.slice(at, at + sealRows));
    await until(async () => (await segmentsOf(dir)) === at / sealRows + 1);
  }
}

test("background compaction waits while a day seals full buffers back to back, and merges once the burst is over", async () => {
  const dir = tempDir();
  let clock = 1_000_000;
  const store = await EventStore.open(dir, {
    sealRows: 50,
    compactMinSegments: 2,
    maintenanceIntervalMs: 2,
    sealInWorker: false,
    now: () => clock,
  });
  try {
    const events = randomEvents(seededRandom(5), 150, 0, START, 1);
    await appendInBurst(store, dir, events, 50);
    await sleep(50);
    assert.equal(await segmentsOf(dir), 3, "three small segments, left alone during the burst");
    clock += 5_000;
    await until(async () => (await segmentsOf(dir)) === 1);
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
});

test("during a burst, background compaction merges once 16 small segments have piled up", async () => {
  const dir = tempDir();
  const store = await EventStore.open(dir, {
    sealRows: 10,
    compactMinSegments: 2,
    maxSegmentRows: 1000,
    maintenanceIntervalMs: 2,
    sealInWorker: false,
    now: () => 1_000_000,
  });
  try {
    const events = randomEvents(seededRandom(6), 150, 0, START, 1);
    await appendInBurst(store, dir, events, 10);
    await sleep(50);
    assert.equal(await segmentsOf(dir), 15, "fifteen are left alone");
    const more = randomEvents(seededRandom(7), 10, 150, START, 1);
    await store.append(1, "UTC", more);
    await until(async () => (await segmentsOf(dir)) === 1);
    assert.deepStrictEqual(readAll(store, 1), [...events, ...more]);
  } finally {
    await store.close();
  }
});
