import assert from "node:assert/strict";
import { open, readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openLog } from "../../src/queue/log.js";
import { segmentFileName } from "../../src/queue/segment-files.js";
import { payloads, tempDir, texts } from "./temp-dir.js";

/** A log holding records "r0" … "r{n-1}", closed; returns its directory. */
async function logWith(dir: string, count: number, segmentBytes?: number): Promise<string> {
  const log = await openLog({ dir, segmentBytes });
  for (let i = 0; i < count; i++) await log.append(payloads(`r${i}`));
  await log.close();
  return dir;
}

async function readAll(dir: string): Promise<string[]> {
  const log = await openLog({ dir });
  try {
    const consumer = await log.consumer("check");
    return texts(await consumer.read());
  } finally {
    await log.close();
  }
}

async function flipByte(path: string, position: number): Promise<void> {
  const file = await open(path, "r+");
  const byte = Buffer.alloc(1);
  await file.read(byte, 0, 1, position);
  byte[0] ^= 0xff;
  await file.write(byte, 0, 1, position);
  await file.close();
}

const records = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);

test("a tail cut mid-record is truncated on open, and everything before it is intact", async (t) => {
  const dir = await logWith(await tempDir(t), 10);
  const tail = join(dir, segmentFileName(0));
  const { size } = await stat(tail);
  await truncate(tail, size - 3);

  const log = await openLog({ dir });
  assert.equal(log.recovery.reason, "incomplete");
  // Left: crc, then the length 2 as 02 00 00; zeros at the very end are counted as padding.
  const { cutBytes, paddingBytes } = log.recovery;
  assert.deepEqual({ cutBytes, paddingBytes }, { cutBytes: 5, paddingBytes: 2 });
  assert.equal((await stat(tail)).size, size - 10, "the torn record's remaining bytes are cut");
  assert.equal(log.stats().nextOffset, 9);
  assert.deepEqual(await log.append(payloads("after")), { first: 9, count: 1 });
  await log.close();
  assert.deepEqual(await readAll(dir), [...records(9), "after"]);
});

test("a flipped byte in the last record cuts that record and nothing before it", async (t) => {
  const dir = await logWith(await tempDir(t), 10);
  const tail = join(dir, segmentFileName(0));
  const { size } = await stat(tail);
  await flipByte(tail, size - 1);

  const log = await openLog({ dir });
  assert.equal(log.recovery.reason, "corrupt");
  assert.equal((await stat(tail)).size, size - 10);
  await log.append(payloads("after"));
  await log.close();
  assert.deepEqual(await readAll(dir), [...records(9), "after"]);
});

test("a corrupt record in the middle of the tail drops it and everything after it, never garbage", async (t) => {
  const dir = await logWith(await tempDir(t), 10);
  const tail = join(dir, segmentFileName(0));
  await flipByte(tail, 5 * 10 + 4);
  assert.deepEqual(await readAll(dir), records(5));
});

test("zeros left at the tail by a crash are not taken for records, and are cut as padding", async (t) => {
  const dir = await logWith(await tempDir(t), 3);
  const tail = join(dir, segmentFileName(0));
  const { size } = await stat(tail);
  await truncate(tail, size + 4096);
  const log = await openLog({ dir });
  assert.deepEqual(log.recovery, { tail, cutBytes: 0, reason: null, paddingBytes: 4096 });
  assert.equal((await stat(tail)).size, size);
  await log.close();
  assert.deepEqual(await readAll(dir), records(3));
});

test("a corrupt record inside an older segment is reported as queue_corrupt, not skipped", async (t) => {
  const dir = await logWith(await tempDir(t), 10, 30);
  const segments = (await readdir(dir)).filter((name) => name.endsWith(".log")).sort();
  assert.ok(segments.length > 2, `${segments.length} segments`);
  await flipByte(join(dir, segments[1]), 8);

  const log = await openLog({ dir });
  t.after(() => log.close());
  assert.equal(log.recovery.cutBytes, 0, "only the tail is cut on open");
  const consumer = await log.consumer("check");
  const good = await consumer.read();
  assert.deepEqual(texts(good), records(3), "the first segment reads whole");
  await assert.rejects(consumer.read(), (error: Error & { code?: string }) => {
    assert.equal(error.code, "queue_corrupt");
    assert.match(error.message, new RegExp(segments[1]));
    return true;
  });
});

test("a leftover tmp offsets file from a crashed commit is ignored and removed", async (t) => {
  const dir = await logWith(await tempDir(t), 4);
  const first = await openLog({ dir });
  const consumer = await first.consumer("process");
  await consumer.read();
  await consumer.commit(2);
  await first.close();
  const tmp = join(dir, "consumers", "process.offset.tmp");
  await writeFile(tmp, '{"consumer":"process","off');

  const log = await openLog({ dir });
  t.after(() => log.close());
  const resumed = await log.consumer("process");
  assert.equal(resumed.committed, 2);
  assert.deepEqual(await readdir(join(dir, "consumers")), ["process.offset"]);
  assert.deepEqual(JSON.parse(await readFile(join(dir, "consumers", "process.offset"), "utf8")), {
    consumer: "process",
    offset: 2,
  });
});

test("a committed offset beyond the end of the log fails the open loudly", async (t) => {
  const dir = await logWith(await tempDir(t), 2);
  await writeFile(join(dir, "consumers", "process.offset"), '{"consumer":"process","offset":7}\n');
  await assert.rejects(openLog({ dir }), { code: "queue_corrupt" });
});

test("an unreadable offsets file fails the open loudly", async (t) => {
  const dir = await logWith(await tempDir(t), 2);
  await writeFile(join(dir, "consumers", "process.offset"), "garbage");
  await assert.rejects(openLog({ dir }), { code: "queue_corrupt" });
});
