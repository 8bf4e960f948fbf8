import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { test } from "node:test";
import { openLog } from "../../src/queue/log.js";
import { type QueueConsumer, QueueFullError } from "../../src/queue/queue.js";
import { payloads, tempDir, texts } from "./temp-dir.js";

const segmentNames = async (dir: string) =>
  (await readdir(dir)).filter((name) => name.endsWith(".log")).sort();

/** Reads until nothing is left; a read stops at a segment's end. */
async function readToEnd(consumer: QueueConsumer): Promise<string[]> {
  const seen: string[] = [];
  for (let batch = await consumer.read(); batch.length > 0; batch = await consumer.read())
    seen.push(...texts(batch));
  return seen;
}

/** Each "xx" record takes 10 bytes framed; with 30-byte segments, a segment holds 3. */
const SMALL = { segmentBytes: 30 } as const;

test("segments roll at their size and are named by their first offset", async (t) => {
  const dir = await tempDir(t);
  const log = await openLog({ dir, ...SMALL });
  t.after(() => log.close());
  for (let i = 0; i < 7; i++) await log.append(payloads(`r${i}`));
  assert.deepEqual(await segmentNames(dir), [
    "00000000000000000000.log",
    "00000000000000000003.log",
    "00000000000000000006.log",
  ]);
  const consumer = await log.consumer("process");
  assert.deepEqual(
    await readToEnd(consumer),
    ["r0", "r1", "r2", "r3", "r4", "r5", "r6"],
    "reads cross segment boundaries",
  );
});

test("with no retention, segments every consumer committed past are removed, never the tail", async (t) => {
  const dir = await tempDir(t);
  const log = await openLog({ dir, ...SMALL, retentionMs: 0 });
  t.after(() => log.close());
  const fast = await log.consumer("fast");
  const slow = await log.consumer("slow");
  for (let i = 0; i < 7; i++) await log.append(payloads(`r${i}`));
  await readToEnd(fast);
  await fast.commit(7);
  assert.equal((await segmentNames(dir)).length, 3, "the slow consumer still needs them");
  await readToEnd(slow);
  await slow.commit(6);
  assert.deepEqual(await segmentNames(dir), ["00000000000000000006.log"]);
  assert.equal(log.stats().bytes, 10);
  const late = await log.consumer("late");
  assert.deepEqual(texts(await late.read()), ["r6"], "a new consumer starts at the oldest record kept");
});

test("consumed segments are kept for the retention period, then removed", async (t) => {
  const dir = await tempDir(t);
  let now = 1_000_000;
  const log = await openLog({ dir, ...SMALL, retentionMs: 60_000, now: () => now });
  t.after(() => log.close());
  const consumer = await log.consumer("process");
  for (let i = 0; i < 4; i++) await log.append(payloads(`r${i}`));
  await consumer.read();
  await consumer.commit(3);
  assert.equal((await segmentNames(dir)).length, 2);
  now += 60_000;
  await consumer.read();
  await consumer.commit(4);
  assert.deepEqual(await segmentNames(dir), ["00000000000000000003.log"]);
});

test("past the disk bound appends fail with QueueFullError, and succeed again once consumed", async (t) => {
  const dir = await tempDir(t);
  const log = await openLog({ dir, ...SMALL, maxBytes: 60, retentionMs: 0 });
  t.after(() => log.close());
  const consumer = await log.consumer("process");
  for (let i = 0; i < 6; i++) await log.append(payloads(`r${i}`));
  const refused = log.append(payloads("r6"));
  await assert.rejects(refused, (error) => error instanceof QueueFullError && error.code === "queue_full");
  assert.equal(log.stats().rejectedFull, 1);
  assert.equal(log.stats().nextOffset, 6, "nothing of the refused batch was written");

  await consumer.read();
  await consumer.commit(3);
  assert.deepEqual(await log.append(payloads("r6")), { first: 6, count: 1 });
  await consumer.read();
  assert.deepEqual(texts(await consumer.read()), ["r6"]);
});

test("a full queue removes consumed segments before their retention is over rather than refuse", async (t) => {
  const dir = await tempDir(t);
  const log = await openLog({ dir, ...SMALL, maxBytes: 60, retentionMs: 3_600_000 });
  t.after(() => log.close());
  const consumer = await log.consumer("process");
  for (let i = 0; i < 6; i++) await log.append(payloads(`r${i}`));
  await consumer.read();
  await consumer.commit(3);
  assert.equal((await segmentNames(dir)).length, 2, "kept for retention while there is room");
  assert.deepEqual(await log.append(payloads("r6")), { first: 6, count: 1 });
  assert.equal((await segmentNames(dir))[0], "00000000000000000003.log");
});

test("appends waiting behind a write count against the disk bound", async (t) => {
  const dir = await tempDir(t);
  const log = await openLog({ dir, maxBytes: 25 });
  t.after(() => log.close());
  const results = await Promise.allSettled([
    log.append(payloads("r0")),
    log.append(payloads("r1")),
    log.append(payloads("r2")),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "fulfilled", "rejected"],
  );
});
