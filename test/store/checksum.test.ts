import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { EventStore } from "../../src/store/event-store.js";
import { SegmentBatch } from "../../src/store/segment-batch.js";
import { SegmentFile } from "../../src/store/segment-reader.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";
import { readAll, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

async function sealedSegment(): Promise<{ dir: string; path: string }> {
  const dir = tempDir();
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  await store.append(1, "UTC", randomEvents(seededRandom(12), 120, 0, Date.UTC(2024, 1, 1) / 1000, 1));
  await store.sealAll();
  await store.close();
  const partition = join(dir, "1", "2024-02-01");
  const [name] = readdirSync(partition).filter((n) => n.endsWith(".tseg"));
  return { dir, path: join(partition, name) };
}

/** Opens a segment and reads every part of it, as an export would. */
function readEverything(path: string): void {
  const file = SegmentFile.open(path);
  try {
    const batch = new SegmentBatch(file);
    for (let i = 0; i < batch.length; i++) batch.row(i);
  } finally {
    file.close();
  }
}

test("a flipped bit anywhere in a segment file is caught and reported as corruption", async () => {
  const { path } = await sealedSegment();
  const original = readFileSync(path);
  readEverything(path);
  const rand = seededRandom(99);
  const positions = new Set([0, 7, 8, original.length - 1, original.length - 9, original.length - 17]);
  while (positions.size < 150) positions.add(Math.floor(rand() * original.length));
  for (const at of positions) {
    const damaged = Buffer.from(original);
    damaged[at] ^= 1 << Math.floor(rand() * 8);
    writeFileSync(path, damaged);
    assert.throws(() => readEverything(path), { code: "store_corrupt" }, `byte ${at} flipped`);
  }
  writeFileSync(path, original);
  readEverything(path);
});

test("the store refuses to read a damaged segment rather than answer short", async () => {
  const { dir, path } = await sealedSegment();
  const damaged = readFileSync(path);
  damaged[Math.floor(damaged.length / 3)] ^= 0x10;
  writeFileSync(path, damaged);
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    assert.throws(() => readAll(store, 1), { code: "store_corrupt", message: /seg-000001\.tseg/ });
  } finally {
    await store.close();
  }
});
