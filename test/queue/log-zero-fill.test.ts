// The tail's zero fill (tail-writer.ts) on real files: what is written into the zeros reads back
// exactly, finished segments and a closed tail hold their records and nothing else, and a tail left
// with zeros by a crash recovers to its records with the zeros reported as padding.

import assert from "node:assert/strict";
import { copyFile, mkdir, open, readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { MessageChannel } from "node:worker_threads";
import { openLog } from "../../src/queue/log.js";
import { encodeRecords, framedSize } from "../../src/queue/record-frame.js";
import { segmentFileName } from "../../src/queue/segment-files.js";
import { connectSharedConsumer, serveSharedConsumer } from "../../src/queue/shared-consumer.js";
import { payloads, tempDir, texts } from "./temp-dir.js";

/** Small enough that the fill (which stops at the roll size) covers the whole segment at once. */
const SEGMENT_BYTES = 64 << 10;

const numbered = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `record ${from + i}`);

/** Waits for the writer's fill, which runs on its own: the tail's file reaches `size`. */
async function fileReaches(path: string, size: number): Promise<void> {
  for (let waited = 0; (await stat(path)).size !== size; waited += 5) {
    if (waited > 5_000) assert.fail(`${path} stayed at ${(await stat(path)).size} bytes, not ${size}`);
    await sleep(5);
  }
}

async function readAll(consumer: { read(): Promise<{ payload: Buffer }[]> }): Promise<string[]> {
  const seen: string[] = [];
  for (let batch = await consumer.read(); batch.length > 0; batch = await consumer.read())
    seen.push(...texts(batch));
  return seen;
}

/** An open log whose tail holds `count` records and is zero-filled to the roll size. */
async function filledLog(dir: string, count: number) {
  const log = await openLog({ dir, segmentBytes: SEGMENT_BYTES });
  await log.append(payloads(...numbered(0, count)));
  const tail = join(dir, segmentFileName(0));
  await fileReaches(tail, SEGMENT_BYTES);
  return { log, tail, records: framedSize(payloads(...numbered(0, count))) };
}

test("records written into the zero fill read back exactly, on the log's thread and through a shared consumer", async (t) => {
  const dir = await tempDir(t);
  const { log, tail } = await filledLog(dir, 1);
  t.after(() => log.close());
  for (let i = 1; i < 200; i += 11) await log.append(payloads(...numbered(i, 11)));
  assert.equal((await stat(tail)).size, SEGMENT_BYTES, "the groups were written inside the zeros");

  const expected = numbered(0, 210);
  assert.deepEqual(await readAll(await log.consumer("here")), expected);
  const { port1, port2 } = new MessageChannel();
  t.after(() => port1.close());
  serveSharedConsumer(port1, await log.shareConsumer("there"));
  const shared = await connectSharedConsumer(port2);
  t.after(() => shared.close());
  assert.deepEqual(await readAll(shared), expected);
});

test("a finished segment is exactly its records, and a closed log's tail too", async (t) => {
  const dir = await tempDir(t);
  // "record NN" frames to 17 bytes: a segment of 200 bytes rolls after 12 records (204 bytes).
  const log = await openLog({ dir, segmentBytes: 200 });
  for (let i = 0; i < 30; i++) await log.append(payloads(`record ${String(i).padStart(2, "0")}`));
  const names = (await readdir(dir)).filter((name) => name.endsWith(".log")).sort();
  assert.deepEqual(names, [segmentFileName(0), segmentFileName(12), segmentFileName(24)]);
  assert.equal((await stat(join(dir, names[0]))).size, 12 * 17);
  assert.equal((await stat(join(dir, names[1]))).size, 12 * 17);
  const tail = join(dir, names[2]);
  await fileReaches(tail, 200);

  await log.close();
  assert.equal((await stat(tail)).size, 6 * 17, "the close cut the zeros off");
  const reopened = await openLog({ dir, segmentBytes: 200 });
  t.after(() => reopened.close());
  assert.deepEqual(reopened.recovery, { tail, cutBytes: 0, reason: null, paddingBytes: 0 });
  const read = await readAll(await reopened.consumer("check"));
  assert.deepEqual(
    read,
    Array.from({ length: 30 }, (_, i) => `record ${String(i).padStart(2, "0")}`),
  );
});

/** The tail as a crash would leave it: copied while the log is open, with its zeros. */
async function crashImage(t: import("node:test").TestContext, tail: string): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, "consumers"));
  const copy = join(dir, segmentFileName(0));
  await copyFile(tail, copy);
  return copy;
}

async function writeAt(path: string, bytes: Buffer, position: number): Promise<void> {
  const file = await open(path, "r+");
  try {
    await file.write(bytes, 0, bytes.length, position);
  } finally {
    await file.close();
  }
}

test("a tail of records and zeros left by a crash recovers to exactly its records; the zeros are padding", async (t) => {
  const { log, tail, records } = await filledLog(await tempDir(t), 40);
  const copy = await crashImage(t, tail);
  await log.close();

  const recovered = await openLog({ dir: dirname(copy), segmentBytes: SEGMENT_BYTES });
  t.after(() => recovered.close());
  assert.deepEqual(recovered.recovery, {
    tail: copy,
    cutBytes: 0,
    reason: null,
    paddingBytes: SEGMENT_BYTES - records,
  });
  assert.equal((await stat(copy)).size, records);
  assert.deepEqual(await recovered.append(payloads("after")), { first: 40, count: 1 });
  assert.deepEqual(await readAll(await recovered.consumer("check")), [...numbered(0, 40), "after"]);
});

/** A record of `payload`, framed. */
function frame(payload: Buffer): Buffer {
  const out = Buffer.alloc(framedSize([payload]));
  encodeRecords(out, 0, [payload]);
  return out;
}

test("a write torn in the zeros is cut as incomplete, a whole bad record in them as corrupt", async (t) => {
  const { log, tail, records } = await filledLog(await tempDir(t), 40);
  const torn = await crashImage(t, tail);
  const flipped = await crashImage(t, tail);
  await log.close();
  const record = frame(Buffer.from("x".repeat(100)));
  // Only the first 60 bytes reached the disk; the rest still reads as the fill's zeros.
  await writeAt(torn, record.subarray(0, 60), records);
  record[record.length - 1] ^= 0xff;
  await writeAt(flipped, record, records);

  const cases = [
    { path: torn, cutBytes: 60, reason: "incomplete" },
    { path: flipped, cutBytes: record.length, reason: "corrupt" },
  ];
  for (const { path, cutBytes, reason } of cases) {
    const recovered = await openLog({ dir: dirname(path), segmentBytes: SEGMENT_BYTES });
    try {
      const paddingBytes = SEGMENT_BYTES - records - cutBytes;
      assert.deepEqual(recovered.recovery, { tail: path, cutBytes, reason, paddingBytes });
      assert.equal((await stat(path)).size, records);
      assert.deepEqual(await readAll(await recovered.consumer("check")), numbered(0, 40));
    } finally {
      await recovered.close();
    }
  }
});
