import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { readManifest } from "../../src/store/manifest.js";
import { Partition } from "../../src/store/partition.js";
import { inThreadBuilder, type SegmentBuilder } from "../../src/store/segment-build.js";
import { eventTextOf } from "../../src/store/wal-record.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";
import { removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const DAY = "2024-05-14";
const START = Date.UTC(2024, 4, 14) / 1000;

/** A builder whose seals wait for `release(n)` (the n-th seal, from 1) and can be told to fail once. */
function gatedBuilder() {
  const gates = new Map<number, () => void>();
  const failing = new Set<number>();
  let calls = 0;
  const builder: SegmentBuilder = {
    async seal(path, payloads, rows) {
      const n = ++calls;
      if (failing.delete(n)) throw new Error(`seal ${n} failed`);
      await new Promise<void>((resolve) => {
        gates.set(n, resolve);
      });
      return inThreadBuilder.seal(path, payloads, rows);
    },
    merge: inThreadBuilder.merge,
    close: async () => undefined,
  };
  const release = async (n: number) => {
    while (!gates.has(n)) await sleep(1);
    gates.get(n)!();
  };
  return { builder, release, failNext: () => failing.add(calls + 1), calls: () => calls };
}

function rowsIn(p: Partition): number[] {
  const view = p.view();
  const offsets = view.batches.flatMap((b) => Array.from(b.offsets));
  for (const f of view.files) f.close();
  return offsets.sort((a, b) => a - b);
}

const events = randomEvents(seededRandom(9), 30, 0, START, 1).map(eventTextOf);
const all = Array.from({ length: 30 }, (_, i) => i);

test("a second seal builds beside the first, and its segment joins the manifest only after the first's", async () => {
  const dir = join(tempDir(), DAY);
  const { builder, release, calls } = gatedBuilder();
  const p = Partition.create(dir, 1, DAY, builder);
  await p.append(events.slice(0, 10), 0);
  const first = p.seal();
  await p.append(events.slice(10, 30), 0);
  const second = p.seal();
  while (calls() < 2) await sleep(1);
  await release(2);
  await sleep(20);
  // The second segment is written, but sealing it first would mark rows 0-9 sealed while they live
  // only in a write-ahead file: every row is still seen exactly once, from the frozen buffers.
  assert.deepEqual(rowsIn(p), all);
  assert.equal((await readManifest(dir))?.segments.length ?? 0, 0, "no segment in the manifest yet");
  await release(1);
  await Promise.all([first, second]);
  assert.deepEqual(rowsIn(p), all);
  await p.idle();
  const reopened = await Partition.recover(dir, 1, DAY, inThreadBuilder, 0);
  assert.deepEqual(rowsIn(reopened), all);
  assert.equal(reopened.bufferedRows, 0, "both buffers sealed, nothing left to replay");
});

test("a seal whose build failed is built again by the next seal, rows kept meanwhile", async () => {
  const dir = join(tempDir(), DAY);
  const { builder, release, failNext } = gatedBuilder();
  const p = Partition.create(dir, 1, DAY, builder);
  await p.append(events.slice(0, 15), 0);
  failNext();
  await assert.rejects(p.seal(), /seal 1 failed/);
  assert.deepEqual(rowsIn(p), all.slice(0, 15));
  await p.append(events.slice(15), 0);
  const again = p.seal();
  await release(2);
  await release(3);
  await again;
  assert.deepEqual(rowsIn(p), all);
  const reopened = await Partition.recover(dir, 1, DAY, inThreadBuilder, 0);
  assert.deepEqual(rowsIn(reopened), all);
  assert.equal(reopened.bufferedRows, 0);
});
