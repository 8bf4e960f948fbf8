import assert from "node:assert/strict";
import { test } from "node:test";
import { EventStore } from "../../src/store/event-store.js";
import { FrameMemory } from "../../src/store/frame-memory.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";
import { readAll, removeTempDirs, tempDir } from "./store-helpers.js";

test.after(removeTempDirs);

test("frame memory given back is taken again for a frame of about its size, and never twice", () => {
  const memory = new FrameMemory(8 << 20);
  const a = memory.take(3000);
  assert.equal(a.length, 3000);
  assert.ok(a.buffer instanceof SharedArrayBuffer);
  memory.give(a.buffer);
  const b = memory.take(5000);
  assert.equal(b.buffer, a.buffer, "the block given back");
  assert.equal(b.length, 5000);
  const c = memory.take(5000);
  assert.notEqual(c.buffer, b.buffer, "a block in use is not handed out again");
  memory.give(b.buffer);
  assert.notEqual(memory.take(3 << 20).buffer, b.buffer, "a frame far bigger than a block gets its own");
});

test("frame memory keeps no more than its limit of blocks given back", () => {
  const memory = new FrameMemory(1 << 20);
  const a = memory.take(100);
  const b = memory.take(100);
  memory.give(a.buffer);
  memory.give(b.buffer);
  assert.equal(memory.take(100).buffer, a.buffer);
  assert.notEqual(memory.take(100).buffer, b.buffer, "the second block was over the limit");
});

test("events appended into the memory of sealed frames read back identical", async () => {
  const rand = seededRandom(77);
  const dir = tempDir();
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0 });
  try {
    const all = [];
    for (let round = 0; round < 4; round++) {
      const events = randomEvents(rand, 200, round * 200, Date.UTC(2024, 2, 9) / 1000, 1);
      assert.equal(await store.append(1, "UTC", events), 200);
      all.push(...events);
      // Sealed: the frames' memory is given back, and the next round's frames are written into it.
      await store.sealAll();
      assert.deepStrictEqual(readAll(store, 1), all);
    }
  } finally {
    await store.close();
  }
});
