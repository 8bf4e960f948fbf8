// The consuming loop every backend shares: read what is there, else wait for more.

import { setTimeout as sleep } from "node:timers/promises";
import type { QueueConsumer, QueueRecord, ReadLimits } from "./queue.js";

export interface BatchOptions extends ReadLimits {
  /**
   * After a batch that was not full, wait until this many milliseconds have passed since it was
   * taken before reading again, so a steady stream arrives in fewer, larger batches: each batch
   * costs its consumer fixed work (an fsync, a transaction, an offset commit) that a trickle of
   * small ones would pay hundreds of times a second. Full batches follow each other at once.
   * Default 0: read as soon as records are there.
   */
  readonly lingerMs?: number;
}

/**
 * Yields batches of records as they become durable, until the signal aborts or the queue closes.
 * The caller commits (`consumer.commit(last.offset + 1)`) once a batch is safely handled.
 */
export async function* batches(
  consumer: QueueConsumer,
  options: BatchOptions = {},
  signal?: AbortSignal,
): AsyncGenerator<QueueRecord[]> {
  const lingerMs = options.lingerMs ?? 0;
  const full = options.maxRecords ?? Number.POSITIVE_INFINITY;
  let lingerUntil = 0;
  while (await consumer.waitForRecords(signal)) {
    const wait = lingerUntil - performance.now();
    if (wait > 0 && !(await lingered(wait, signal))) return;
    const taken = performance.now();
    const records = await consumer.read(options);
    if (records.length === 0) continue;
    lingerUntil = records.length >= full ? 0 : taken + lingerMs;
    yield records;
  }
}

/** False when the signal aborted the wait. */
async function lingered(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal?.aborted) return false;
    throw error;
  }
}
