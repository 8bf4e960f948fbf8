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

/**
 * A builder whose seals wait for `release(n)` (the n-th seal, from 1) and can be told to fail one
 * (the next, or the one `skip` seals later); it has `threads` sealing threads, and records the rows
 * of each seal.
 */
function gatedBuilder(threads = 1) {
  const gates = new Map<number, () => void>();
  const failing = new Set<number>();
  const sealedRows: number[] = [];
  let calls = 0;
  const builder: SegmentBuilder = {
    async seal(path, payloads, rows) {
      const n = ++calls;
      sealedRows.push(rows);
      if (failing.delete(n)) throw new Error(`seal ${n} failed`);
      await new Promise<void>((resolve) => {
        gates.set(n, resolve);
      });
      return inThreadBuilder.seal(path, payloads, rows);
    },
    sealThreads: () => threads,
    merge: inThreadBuilder.merge,
    close: async () => undefined,
  };
  const release = async (n: number) => {
    while (!gates.has(n)) await sleep(1);
    gates.get(n)!();
  };
  return {
    builder,
    release,
    failNext: (skip = 0) => failing.add(calls + 1 + skip),
    calls: () => calls,
    sealedRows,
  };
}

function rowsIn(p: Partition): number[] {
  const view = p.view();
  const offsets = view.batches.flatMap((b) => Array.from(b.offsets));
  for (const f of view.files) f.close();
  return offsets.sort((a, b) => a - b);
}

const events = randomEvents(seededRandom(9), 30, 0, START, 1).map(eventTextOf);
const all = Array.from({ length: 30 }, (_, i) => i);

/** Two buffers frozen one after the other (rows 0-9, then 10-29), both building, neither released. */
async function twoSealsBuilding() {
  const dir = join(tempDir(), DAY);
  const { builder, release, calls } = gatedBuilder();
  const p = Partition.create(dir, 1, DAY, builder);
  await p.append(events.slice(0, 10), 0);
  const first = p.seal();
  await p.append(events.slice(10, 30), 0);
  const second = p.seal();
  while (calls() < 2) await sleep(1);
  return { dir, p, release, first, second };
}

test("a second seal builds beside the first, and its segment joins the manifest only after the first's", async () => {
  const { dir, p, release, first, second } = await twoSealsBuilding();
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

test("a seal resolves once its own buffer is sealed, while one frozen after it still builds", async () => {
  const { dir, p, release, first, second: sealed } = await twoSealsBuilding();
  let secondDone = false;
  const second = sealed.then(() => {
    secondDone = true;
  });
  await release(1);
  // A caller counting seals in flight (the event store) learns now that a thread is free.
  await first;
  assert.equal(secondDone, false, "the second buffer is still building");
  assert.deepEqual(
    (await readManifest(dir))?.segments.map((s) => [s.minOffset, s.maxOffset]),
    [[0, 9]],
  );
  assert.deepEqual(rowsIn(p), all);
  await release(2);
  await second;
  assert.deepEqual(
    (await readManifest(dir))?.segments.map((s) => [s.minOffset, s.maxOffset]),
    [
      [0, 9],
      [10, 29],
    ],
  );
  await p.idle();
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

/** `count` small events from offset `first`, one a millisecond. */
function plainEvents(first: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    offset: first + i,
    distinctId: `u${(first + i) % 97}`,
    originalDistinctId: null,
    time: START + (first + i) / 1000,
    insertIdGenerated: false,
    text: Buffer.from(`{"event":"e","properties":{"$insert_id":"i${first + i}","n":${i % 7}}}`),
  }));
}

test("a big buffer is split among the sealing threads; a failure or crash between its parts loses and repeats no row", async () => {
  const dir = join(tempDir(), DAY);
  const { builder, release, failNext, sealedRows } = gatedBuilder(2);
  const p = Partition.create(dir, 1, DAY, builder);
  const rows = 60_000;
  for (let first = 0; first < rows; first += 10_000) await p.append(plainEvents(first, 10_000), 0);
  const every = Array.from({ length: rows }, (_, i) => i);
  // The first part is built; the second's build fails.
  failNext(1);
  const sealing = p.seal(true);
  await release(1);
  await assert.rejects(sealing, /seal 2 failed/);
  assert.deepEqual(sealedRows, [30_000, 30_000], "two parts, one a thread");
  assert.deepEqual(
    (await readManifest(dir))?.segments.map((s) => [s.minOffset, s.maxOffset]),
    [[0, 29_999]],
    "the first part joined the manifest",
  );
  assert.deepEqual(rowsIn(p), every);
  // A crash now: the first part is sealed, the second's rows are replayed from the write-ahead files.
  const crashed = await Partition.recover(dir, 1, DAY, inThreadBuilder, 0);
  assert.deepEqual(rowsIn(crashed), every);
  assert.equal(crashed.bufferedRows, 30_000);
  // Without a crash, the next seal builds the second part again.
  const again = p.seal();
  await release(3);
  await again;
  await p.idle();
  assert.deepEqual(
    (await readManifest(dir))?.segments.map((s) => [s.minOffset, s.maxOffset]),
    [
      [0, 29_999],
      [30_000, 59_999],
    ],
  );
  const reopened = await Partition.recover(dir, 1, DAY, inThreadBuilder, 0);
  assert.deepEqual(rowsIn(reopened), every);
  assert.equal(reopened.bufferedRows, 0, "both parts sealed, nothing left to replay");
});

test("a buffer is not split with one sealing thread, into parts under 25,000 rows, or when full", async () => {
  for (const [threads, rows, split, parts] of [
    [1, 60_000, true, [60_000]],
    [2, 40_000, true, [40_000]],
    [2, 60_000, false, [60_000]],
  ] as const) {
    const dir = join(tempDir(), DAY);
    const { builder, release, sealedRows } = gatedBuilder(threads);
    const p = Partition.create(dir, 1, DAY, builder);
    for (let first = 0; first < rows; first += 10_000) await p.append(plainEvents(first, 10_000), 0);
    const sealing = p.seal(split);
    await release(1);
    await sealing;
    assert.deepEqual(sealedRows, parts);
    await p.idle();
  }
});
