// Helpers of the queue's tests: a fresh directory under the OS temp dir for each test (removed
// afterwards), payloads from texts and back, and contract checks every consumer must pass.

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { Queue, QueueConsumer } from "../../src/queue/queue.js";

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tally-queue-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function payloads(...texts: string[]): Buffer[] {
  return texts.map((text) => Buffer.from(text));
}

export function texts(records: readonly { payload: Buffer }[]): string[] {
  return records.map((record) => record.payload.toString());
}

/**
 * The waiting part of the QueueConsumer contract, for any consumer of `log` that has read all it
 * holds: an append wakes a wait with true, an abort ends one with false.
 */
export async function checkWaitForRecords(log: Queue, consumer: QueueConsumer): Promise<void> {
  const waiting = consumer.waitForRecords();
  await log.append(payloads("late"));
  assert.equal(await waiting, true);
  await consumer.read();
  const controller = new AbortController();
  const aborted = consumer.waitForRecords(controller.signal);
  controller.abort();
  assert.equal(await aborted, false);
}
