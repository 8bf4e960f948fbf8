import assert from "node:assert/strict";
import { test } from "node:test";
import { batches } from "../../src/queue/batches.js";
import { openLog } from "../../src/queue/log.js";
import { isQueueError } from "../../src/queue/queue.js";
import { checkWaitForRecords, payloads, tempDir, texts } from "./temp-dir.js";

test("appended records are read back in order with their offsets, then committed", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  assert.deepEqual(await log.append(payloads("a", "b")), { first: 0, count: 2 });
  assert.deepEqual(await log.append(payloads("c")), { first: 2, count: 1 });
  const consumer = await log.consumer("process");
  const records = await consumer.read();
  assert.deepEqual(texts(records), ["a", "b", "c"]);
  assert.deepEqual(
    records.map((r) => r.offset),
    [0, 1, 2],
  );
  assert.equal(consumer.depth(), 3);
  await consumer.commit(3);
  assert.equal(consumer.committed, 3);
  assert.equal(consumer.depth(), 0);
  assert.deepEqual(await consumer.read(), []);
});

test("a reopened consumer resumes from its committed offset, not from what it had read", async (t) => {
  const dir = await tempDir(t);
  const first = await openLog({ dir });
  await first.append(payloads("a", "b", "c", "d"));
  const consumer = await first.consumer("process");
  assert.equal((await consumer.read()).length, 4);
  await consumer.commit(2);
  await first.close();

  const again = await openLog({ dir });
  t.after(() => again.close());
  const resumed = await again.consumer("process");
  assert.equal(resumed.committed, 2);
  assert.deepEqual(texts(await resumed.read()), ["c", "d"]);
  assert.deepEqual(await again.append(payloads("e")), { first: 4, count: 1 });
});

test("read stops at its record and byte limits and continues where it stopped", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  await log.append(payloads("one", "two", "three", "four", "five"));
  const consumer = await log.consumer("process");
  assert.deepEqual(texts(await consumer.read({ maxRecords: 2 })), ["one", "two"]);
  assert.deepEqual(texts(await consumer.read({ maxBytes: 1 })), ["three"], "at least one record");
  assert.deepEqual(texts(await consumer.read({ maxBytes: 25 })), ["four", "five"]);
});

test("rewind reads again everything after the committed offset", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  await log.append(payloads("a", "b", "c"));
  const consumer = await log.consumer("process");
  await consumer.read({ maxRecords: 1 });
  await consumer.commit(1);
  await consumer.read();
  consumer.rewind();
  assert.equal(consumer.position, 1);
  assert.deepEqual(texts(await consumer.read()), ["b", "c"]);
});

test("concurrent appends share fsyncs and each gets its own offsets", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  const receipts = await Promise.all(
    Array.from({ length: 200 }, (_, i) => log.append(payloads(`r${i}a`, `r${i}b`))),
  );
  const stats = log.stats();
  assert.ok(stats.fsyncs < 200, `${stats.fsyncs} fsyncs for 200 appends`);
  assert.equal(stats.fsyncSeconds.count, stats.fsyncs);
  assert.equal(stats.appends, 200);
  assert.equal(stats.records, 400);
  const offsets = receipts.flatMap((r) => [r.first, r.first + 1]).sort((a, b) => a - b);
  assert.deepEqual(
    offsets,
    Array.from({ length: 400 }, (_, i) => i),
  );
  const consumer = await log.consumer("process");
  const records = await consumer.read();
  for (const [i, receipt] of receipts.entries()) {
    assert.equal(records[receipt.first].payload.toString(), `r${i}a`);
  }
});

test("waitForRecords resolves once an append is durable, and false when aborted", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  const consumer = await log.consumer("process");
  await checkWaitForRecords(log, consumer);
});

test("batches yields records as they arrive and ends when the queue closes", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  const consumer = await log.consumer("process");
  const seen: string[] = [];
  const consuming = (async () => {
    for await (const batch of batches(consumer)) {
      seen.push(...texts(batch));
      await consumer.commit(batch[batch.length - 1].offset + 1);
      if (seen.length === 3) void log.close();
    }
  })();
  await log.append(payloads("a"));
  await log.append(payloads("b", "c"));
  await consuming;
  assert.deepEqual(seen, ["a", "b", "c"]);
  t.after(() => log.close());
});

test("batches lingers after a partial batch, so records appended meanwhile come as one batch", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  const consumer = await log.consumer("process");
  await log.append(payloads("a"));
  const stream = batches(consumer, { maxRecords: 100, lingerMs: 150 });
  const first = await stream.next();
  const firstAt = performance.now();
  assert.deepEqual(texts(first.value ?? []), ["a"]);
  for (const text of ["b", "c", "d"]) await log.append(payloads(text));
  const second = await stream.next();
  assert.deepEqual(texts(second.value ?? []), ["b", "c", "d"]);
  assert.ok(performance.now() - firstAt >= 140, "the second read waited out the linger");
  await stream.return(undefined);
});

test("batches does not linger after a full batch", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  const consumer = await log.consumer("process");
  await log.append(payloads("a", "b", "c", "d"));
  const controller = new AbortController();
  // Were the linger applied, the second batch would come after a minute and the abort end the loop.
  const timer = setTimeout(() => controller.abort(), 20_000);
  t.after(() => clearTimeout(timer));
  const seen: string[][] = [];
  for await (const batch of batches(consumer, { maxRecords: 2, lingerMs: 60_000 }, controller.signal)) {
    seen.push(texts(batch));
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen, [
    ["a", "b"],
    ["c", "d"],
  ]);
});

test("a commit past what the consumer has read is refused", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  await log.append(payloads("a", "b"));
  const consumer = await log.consumer("process");
  await assert.rejects(consumer.commit(1), { code: "invalid_offset" });
  await consumer.read();
  await consumer.commit(2);
  await consumer.commit(1);
  assert.equal(consumer.committed, 2, "an older offset never moves the commit back");
});

test("a payload over the record limit is refused and nothing is written", async (t) => {
  const log = await openLog({ dir: await tempDir(t), maxRecordBytes: 10 });
  t.after(() => log.close());
  await assert.rejects(log.append(payloads("short", "much too long")), { code: "record_too_large" });
  assert.equal(log.stats().nextOffset, 0);
});

test("an empty batch resolves at once without writing", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  assert.deepEqual(await log.append([]), { first: 0, count: 0 });
  assert.equal(log.stats().fsyncs, 0);
});

test("a queue directory opens once: a second open fails with queue_locked", async (t) => {
  const dir = await tempDir(t);
  const log = await openLog({ dir });
  await assert.rejects(openLog({ dir }), { code: "queue_locked" });
  await log.close();
  const again = await openLog({ dir });
  await again.close();
});

test("appends after close are refused with queue_closed", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  const accepted = log.append(payloads("in time"));
  await log.close();
  assert.deepEqual(await accepted, { first: 0, count: 1 }, "an accepted append still completes");
  await assert.rejects(
    log.append(payloads("late")),
    (error) => isQueueError(error) && error.code === "queue_closed",
  );
});

test("depth counts records not committed by the slowest consumer", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  await log.append(payloads("a", "b", "c"));
  assert.equal(log.stats().depth, 3, "with no consumer yet, every record is pending");
  const fast = await log.consumer("fast");
  const slow = await log.consumer("slow");
  await fast.read();
  await fast.commit(3);
  await slow.read({ maxRecords: 1 });
  await slow.commit(1);
  assert.equal(log.stats().depth, 2);
  assert.ok(log.stats().bytes > 0);
});

test("a consumer name is open once at a time, and reads on one consumer do not overlap", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  await log.append(payloads("a"));
  const consumer = await log.consumer("process");
  await assert.rejects(log.consumer("process"), { code: "invalid_consumer" });
  await assert.rejects(log.consumer("../etc"), { code: "invalid_consumer" });
  const reading = consumer.read();
  await assert.rejects(consumer.read(), { code: "invalid_consumer" });
  assert.equal((await reading).length, 1);
  await consumer.close();
  const again = await log.consumer("process");
  assert.equal(again.position, 0);
});
