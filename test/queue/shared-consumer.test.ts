import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { batches } from "../../src/queue/batches.js";
import { type LogOptions, openLog } from "../../src/queue/log.js";
import type { QueueConsumer } from "../../src/queue/queue.js";
import { connectSharedConsumer, serveSharedConsumer } from "../../src/queue/shared-consumer.js";
import { startModuleWorker } from "../../src/util/module-worker.js";
import { checkWaitForRecords, payloads, tempDir, texts } from "./temp-dir.js";

type Options = Omit<LogOptions, "dir">;

/** A log and its consumer "process" served on a port; `connect` reads it as another thread would. */
async function sharedLog(t: import("node:test").TestContext, options: Options = {}) {
  const dir = await tempDir(t);
  const log = await openLog({ dir, ...options });
  const handle = await log.shareConsumer("process");
  const ports: MessagePort[] = [];
  const consumers: QueueConsumer[] = [];
  const connect = async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    serveSharedConsumer(port1, handle);
    const consumer = await connectSharedConsumer(port2);
    consumers.push(consumer);
    return consumer;
  };
  t.after(async () => {
    // A reader that is never closed leaves its segment file to the garbage collector.
    await Promise.allSettled(consumers.map((consumer) => consumer.close()));
    for (const port of ports) port.close();
    await log.close();
  });
  return { dir, log, handle, connect };
}

const numberedTexts = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `record ${from + i}`.padEnd(40, "."));
const numbered = (from: number, count: number) => payloads(...numberedTexts(from, count));

test("a shared consumer reads, commits and rewinds exactly as the log's own", async (t) => {
  const { log, handle, connect } = await sharedLog(t);
  const consumer = await connect();
  assert.equal(consumer.name, "process");
  await log.append(payloads("a", "b", "c"));
  assert.deepEqual(texts(await consumer.read({ maxRecords: 2 })), ["a", "b"]);
  assert.equal(consumer.position, 2);
  await consumer.commit(1);
  assert.equal(consumer.committed, 1);
  assert.equal(handle.committed(), 1);
  assert.equal(consumer.depth(), 2);
  consumer.rewind();
  const again = await consumer.read();
  assert.deepEqual(texts(again), ["b", "c"]);
  assert.deepEqual(
    again.map((r) => r.offset),
    [1, 2],
  );
  await assert.rejects(consumer.commit(9), { code: "invalid_offset" });
  await assert.rejects(handle.commit(9), { code: "invalid_offset" });
});

test("waiting on a shared consumer wakes on an append and ends when aborted", async (t) => {
  const { log, connect } = await sharedLog(t);
  await checkWaitForRecords(log, await connect());
});

test("a commit made through a shared consumer is the log's on reopen, and never goes back", async (t) => {
  const { dir, log, handle, connect } = await sharedLog(t);
  const consumer = await connect();
  await log.append(payloads("a", "b", "c"));
  const controller = new AbortController();
  for await (const batch of batches(consumer, {}, controller.signal)) {
    assert.deepEqual(texts(batch), ["a", "b", "c"]);
    await consumer.commit(3);
    break;
  }
  // A late commit of an older offset (a thread that died mid-batch) changes nothing.
  await handle.commit(1);
  assert.equal(handle.committed(), 3);
  await consumer.close();
  await handle.close();
  await log.close();
  const reopened = await openLog({ dir });
  t.after(() => reopened.close());
  assert.equal((await reopened.consumer("process")).committed, 3);
});

test("the next reader of a shared consumer starts again from the last commit", async (t) => {
  const { log, connect } = await sharedLog(t);
  await log.append(payloads("a", "b", "c"));
  const first = await connect();
  assert.deepEqual(texts(await first.read()), ["a", "b", "c"]);
  await first.commit(1);
  const second = await connect();
  assert.equal(second.committed, 1);
  assert.deepEqual(texts(await second.read()), ["b", "c"]);
});

test("a shared consumer follows the log across segments while retention removes the read ones", async (t) => {
  const { dir, log, connect } = await sharedLog(t, { segmentBytes: 400, retentionMs: 0 });
  const consumer = await connect();
  const read: string[] = [];
  let appended = 0;
  for (let round = 0; round < 20; round++) {
    const count = 1 + (round % 7);
    await log.append(numbered(appended, count));
    appended += count;
    const records = await consumer.read({ maxRecords: 5 });
    read.push(...texts(records));
    await consumer.commit(consumer.position);
  }
  for (let records = await consumer.read(); records.length > 0; records = await consumer.read()) {
    read.push(...texts(records));
  }
  assert.deepEqual(read, numberedTexts(0, appended));
  await consumer.commit(consumer.position);
  const segments = readdirSync(dir).filter((name) => name.endsWith(".log"));
  assert.ok(segments.length < appended / 10, `retention removed read segments (${segments.length} left)`);
});

test("a shared consumer in another thread sleeps until appends are durable, and reads them all", async (t) => {
  const { log, handle } = await sharedLog(t, { segmentBytes: 2000 });
  const { port1, port2 } = new MessageChannel();
  serveSharedConsumer(port1, handle);
  const worker = startModuleWorker(import.meta.url, "shared-reader-child", {
    workerData: { port: port2, count: 300 },
    transferList: [port2],
  });
  const seen = new Promise<string[]>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  // Appends one after another, some while the reader sleeps, across several segments.
  for (let i = 0; i < 300; i += 10) {
    await log.append(numbered(i, 10));
    if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(await seen, numberedTexts(0, 300));
  await new Promise((resolve) => worker.once("exit", resolve));
  port1.close();
  assert.equal(handle.committed(), 300);
});

test("a shared consumer's wait ends when the log closes", async (t) => {
  const { log, connect } = await sharedLog(t);
  const consumer = await connect();
  const waiting = consumer.waitForRecords();
  await log.close();
  assert.equal(await waiting, false);
});
