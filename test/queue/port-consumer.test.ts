import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageChannel, Worker } from "node:worker_threads";
import { batches } from "../../src/queue/batches.js";
import { openLog } from "../../src/queue/log.js";
import { PortConsumer, serveConsumer } from "../../src/queue/port-consumer.js";
import { checkWaitForRecords, payloads, tempDir, texts } from "./temp-dir.js";

async function servedConsumer(t: import("node:test").TestContext) {
  const dir = await tempDir(t);
  const log = await openLog({ dir });
  const { port1, port2 } = new MessageChannel();
  serveConsumer(port1, await log.consumer("process"));
  const consumer = await PortConsumer.connect(port2);
  t.after(async () => {
    port1.close();
    await log.close();
  });
  return { dir, log, consumer };
}

test("a consumer across a port reads, commits and rewinds exactly as the log's own", async (t) => {
  const { log, consumer } = await servedConsumer(t);
  assert.equal(consumer.name, "process");
  await log.append(payloads("a", "b", "c"));
  assert.deepEqual(texts(await consumer.read({ maxRecords: 2 })), ["a", "b"]);
  assert.equal(consumer.position, 2);
  await consumer.commit(1);
  assert.equal(consumer.committed, 1);
  assert.equal(consumer.depth(), 2);
  consumer.rewind();
  assert.equal(consumer.position, 1);
  const again = await consumer.read();
  assert.deepEqual(texts(again), ["b", "c"]);
  assert.deepEqual(
    again.map((r) => r.offset),
    [1, 2],
  );
  await assert.rejects(consumer.commit(9), { code: "invalid_offset" });
});

test("waiting across a port wakes on an append and ends when aborted", async (t) => {
  const { log, consumer } = await servedConsumer(t);
  await checkWaitForRecords(log, consumer);
});

test("batches() runs over a port consumer, and a commit made there is the log's on reopen", async (t) => {
  const { dir, log, consumer } = await servedConsumer(t);
  await log.append(payloads("a", "b"));
  const controller = new AbortController();
  for await (const batch of batches(consumer, {}, controller.signal)) {
    assert.deepEqual(texts(batch), ["a", "b"]);
    await consumer.commit(batch[batch.length - 1].offset + 1);
    break;
  }
  await consumer.close();
  await log.close();
  const reopened = await openLog({ dir });
  t.after(() => reopened.close());
  assert.equal((await reopened.consumer("process")).committed, 2);
});

test("when the consuming thread dies, the next one reads again from the last commit", async (t) => {
  const log = await openLog({ dir: await tempDir(t) });
  t.after(() => log.close());
  const served = await log.consumer("process");
  await log.append(payloads("a", "b", "c"));
  const first = new MessageChannel();
  serveConsumer(first.port1, served);
  // A thread that reads everything, commits only the first record, and exits.
  const worker = new Worker(
    `const { workerData: { port } } = require("node:worker_threads");
     const ask = (m) => new Promise((r) => { port.once("message", r); port.postMessage(m); });
     (async () => {
       await ask({ id: 1, op: "read", limits: {} });
       await ask({ id: 2, op: "commit", offset: 1 });
       process.exit(0);
     })();`,
    { eval: true, workerData: { port: first.port2 }, transferList: [first.port2] },
  );
  await new Promise((resolve) => worker.once("exit", resolve));
  first.port1.close();
  const second = new MessageChannel();
  serveConsumer(second.port1, served);
  const consumer = await PortConsumer.connect(second.port2);
  t.after(() => second.port1.close());
  assert.equal(consumer.committed, 1);
  assert.deepEqual(texts(await consumer.read()), ["b", "c"]);
});
