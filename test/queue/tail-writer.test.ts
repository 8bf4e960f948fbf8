import assert from "node:assert/strict";
import type { FileHandle } from "node:fs/promises";
import { test } from "node:test";
import type { Segment } from "../../src/queue/segment-files.js";
import { TailWriter } from "../../src/queue/tail-writer.js";

/** A file that takes half of the first write, then reports a full disk; later writes succeed. */
function fullDiskFile() {
  const calls: string[] = [];
  const file = {
    fd: 99,
    async write(_buf: Buffer, _offset: number, length: number, position: number) {
      calls.push(`write ${length}@${position}`);
      if (calls.length === 1) return { bytesWritten: length >> 1 };
      if (calls.length === 2) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      return { bytesWritten: length };
    },
    async datasync() {
      calls.push("datasync");
    },
    async truncate(length: number) {
      calls.push(`truncate ${length}`);
    },
    async close() {},
  };
  return { file: file as unknown as FileHandle, calls };
}

function writerOver(file: FileHandle, segments: Segment[], fsyncs: number[] = []): TailWriter {
  return new TailWriter(segments, file, {
    dir: "/nonexistent",
    segmentBytes: 1 << 20,
    fsync: true,
    onFsync: (seconds) => fsyncs.push(seconds),
  });
}

test("a write the disk refuses part way fails, is cut back, and the next write works", async () => {
  const { file, calls } = fullDiskFile();
  const segments: Segment[] = [{ base: 0, size: 100, consumedAt: null }];
  const fsyncs: number[] = [];
  const writer = writerOver(file, segments, fsyncs);
  await assert.rejects(writer.write(Buffer.alloc(10)), { code: "ENOSPC" });
  await writer.cutBack(100);
  assert.deepEqual(calls, ["write 10@100", "write 5@105", "truncate 100", "datasync"]);
  assert.equal(segments[0].size, 100, "the tail still ends after its last durable record");

  await writer.write(Buffer.alloc(10));
  assert.equal(segments[0].size, 110);
  assert.equal(fsyncs.length, 1, "one durable write measured");
});

test("writes in flight take consecutive places in the tail", async () => {
  const { file, calls } = fullDiskFile();
  calls.push("skip the failures", "of this file");
  const segments: Segment[] = [{ base: 0, size: 0, consumedAt: null }];
  const writer = writerOver(file, segments);
  await Promise.all([writer.write(Buffer.alloc(10)), writer.write(Buffer.alloc(20))]);
  assert.deepEqual(calls.slice(2), ["write 10@0", "write 20@10"]);
  assert.equal(writer.end, 30);
});

test("a tail that cannot be cut back refuses every later write", async () => {
  const { file } = fullDiskFile();
  (file as unknown as { truncate: () => Promise<void> }).truncate = async () => {
    throw Object.assign(new Error("input/output error"), { code: "EIO" });
  };
  const writer = writerOver(file, [{ base: 0, size: 0, consumedAt: null }]);
  await assert.rejects(writer.write(Buffer.alloc(10)));
  await assert.rejects(writer.cutBack(0), { code: "queue_io", message: /restart the server/ });
  await assert.rejects(writer.write(Buffer.alloc(10)), { code: "queue_io" });
});
