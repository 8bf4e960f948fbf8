// The consuming loop every backend shares: read what is there, else wait for more.

import type { QueueConsumer, QueueRecord, ReadLimits } from "./queue.js";

/**
 * Yields batches of records as they become durable, until the signal aborts or the queue closes.
 * The caller commits (`consumer.commit(last.offset + 1)`) once a batch is safely handled.
 */
export async function* batches(
  consumer: QueueConsumer,
  limits?: ReadLimits,
  signal?: AbortSignal,
): AsyncGenerator<QueueRecord[]> {
  while (await consumer.waitForRecords(signal)) {
    const records = await consumer.read(limits);
    if (records.length > 0) yield records;
  }
}
