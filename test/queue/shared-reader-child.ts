// A thread that reads a shared consumer (served on workerData.port) until it has `count` records,
// waiting for appends as the back thread does, commits them, and posts their texts back.

import { parentPort, workerData } from "node:worker_threads";
import { connectSharedConsumer } from "../../src/queue/shared-consumer.js";

const { port, count } = workerData as { port: import("node:worker_threads").MessagePort; count: number };
const consumer = await connectSharedConsumer(port);
const seen: string[] = [];
while (seen.length < count) {
  const records = await consumer.read();
  for (const record of records) seen.push(record.payload.toString());
  if (records.length === 0 && !(await consumer.waitForRecords())) break;
}
await consumer.commit(consumer.position);
await consumer.close();
parentPort?.postMessage(seen);
port.close();
