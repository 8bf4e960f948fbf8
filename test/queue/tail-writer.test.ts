import assert from "node:assert/strict";
import type { FileHandle } from "node:fs/promises";
import { test } from "node:test";
import type { Segment } from "../../src/queue/segment-files.js";
import { TailWriter } from "../../src/queue/tail-writer.js";

/** A file that takes half of the first write, then reports a full disk; later writes succeed. */
function fullDiskFile() {
  const calls: string[] = [];
  const writeSync = (_fd: number, _buf: Buffer, _offset: number, length: number, position: number) => {
    calls.push(`write ${length}@${position}`);
    if (calls.length === 1) return length >> 1;
    if (calls.length === 2) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    return length;
  };
  const file = {
    fd: 99,
    async datasync() {
      calls.push("datasync");
    },
    async truncate(length: number) {
      calls.push(`truncate ${length}`);
    },
    async close() {},
  };
  return { file: file as unknown as FileHandle, writeSync, calls };
}

test("a write the disk refuses part way is reported as queue_full, cut back, and the next write works", async () => {
  const { file, writeSync, calls } = fullDiskFile();
  const segments: Segment[] = [{ base: 0, size: 100, consumedAt: null }];
  const fsyncs: number[] = [];
  const writer = new TailWriter(segments, file, {
    dir: "/nonexistent",
    segmentBytes: 1 << 20,
    fsync: true,
    onFsync: (seconds) => fsyncs.push(seconds),
    writeSync,
  });
  assert.throws(() => writer.writeNow(Buffer.alloc(10)), { code: "ENOSPC" });
  assert.equal(writer.end, 100, "a failed write is not counted");
  await writer.cutBack(100);
  assert.deepEqual(calls, ["write 10@100", "write 5@105", "truncate 100", "datasync"]);
  assert.equal(segments[0].size, 100, "the tail still ends after its last durable record");

  writer.writeNow(Buffer.alloc(10));
  await writer.sync();
  assert.equal(segments[0].size, 110);
  assert.equal(fsyncs.length, 1);
});

test("a tail that cannot be cut back refuses every later write", async () => {
  const { file, writeSync } = fullDiskFile();
  (file as unknown as { truncate: () => Promise<void> }).truncate = async () => {
    throw Object.assign(new Error("input/output error"), { code: "EIO" });
  };
  const segments: Segment[] = [{ base: 0, size: 0, consumedAt: null }];
  const writer = new TailWriter(segments, file, {
    dir: "/nonexistent",
    segmentBytes: 1 << 20,
    fsync: true,
    onFsync: () => {},
    writeSync,
  });
  assert.throws(() => writer.writeNow(Buffer.alloc(10)));
  await assert.rejects(writer.cutBack(0), { code: "queue_io", message: /restart the server/ });
  assert.throws(() => writer.writeNow(Buffer.alloc(10)), { code: "queue_io" });
});
