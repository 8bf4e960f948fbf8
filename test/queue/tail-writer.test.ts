import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { type FileHandle, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { type Segment, segmentPath } from "../../src/queue/segment-files.js";
import { TailWriter } from "../../src/queue/tail-writer.js";
import { tempDir } from "./temp-dir.js";

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

/** A writer with no zero fill, so the file sees the groups' writes alone. */
function writerOver(file: FileHandle, segments: Segment[], fsyncs: number[] = []): TailWriter {
  return new TailWriter(segments, file, {
    dir: "/nonexistent",
    segmentBytes: 1 << 20,
    fsync: true,
    onFsync: (seconds) => fsyncs.push(seconds),
    fillStep: 0,
    inlineBytes: 0,
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
  assert.equal(writer.end, 100, "the next write goes where the failed one began");

  await writer.write(Buffer.alloc(10));
  assert.equal(writer.end, 110);
  assert.equal(segments[0].size, 100, "the segment's size is the log's to move, once a group is durable");
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

/**
 * A file whose writes end when the test says; its log names zero writes "zeros" and others
 * "write". Truncations and syncs end at once.
 */
function controlledFile() {
  const log: string[] = [];
  const pending = new Map<number, (error?: Error) => void>();
  const file = {
    fd: 98,
    write(buf: Buffer, offset: number, length: number, position: number) {
      const zeros = buf.subarray(offset, offset + length).every((byte) => byte === 0);
      const index = log.push(`${zeros ? "zeros" : "write"} ${length}@${position}`) - 1;
      return new Promise((resolve, reject) => {
        pending.set(index, (error) => (error ? reject(error) : resolve({ bytesWritten: length })));
      });
    },
    async datasync() {
      log.push("datasync");
    },
    async truncate(length: number) {
      log.push(`truncate ${length}`);
    },
    async close() {
      log.push("close");
    },
  };
  /** Ends the writes still running (by their index in the log), failing those in `failing`. */
  const settle = async (failing: readonly number[] = [], only?: readonly number[]) => {
    for (const [index, end] of [...pending]) {
      if (only !== undefined && !only.includes(index)) continue;
      pending.delete(index);
      end(
        failing.includes(index)
          ? Object.assign(new Error("no space left on device"), { code: "ENOSPC" })
          : undefined,
      );
    }
    await nextTurn();
  };
  return { file: file as unknown as FileHandle, log, settle };
}

/** Fills 100 bytes ahead, in one write unless `fillChunk` is smaller. */
function fillingWriter(file: FileHandle, segmentBytes = 1000, fillChunk = 100): TailWriter {
  const segments: Segment[] = [{ base: 0, size: 0, consumedAt: null }];
  return new TailWriter(segments, file, {
    dir: "/nonexistent",
    segmentBytes,
    fsync: true,
    onFsync: () => {},
    fillStep: 100,
    fillChunk,
    inlineBytes: 0,
  });
}

const group = (bytes: number) => Buffer.alloc(bytes, 0x72);

test("the tail is zero-filled a step ahead, and groups inside the zeros are written at once", async () => {
  const { file, log, settle } = controlledFile();
  const writer = fillingWriter(file);
  const first = writer.write(group(10));
  assert.deepEqual(log, ["write 10@0", "zeros 100@10"], "the fill starts beside the first group");
  await settle();
  await first;
  const second = writer.write(group(10));
  assert.deepEqual(log.slice(2), ["write 10@10", "zeros 100@110"], "under a step ahead: the next fill");
  await settle();
  await second;
  const third = writer.write(group(10));
  assert.deepEqual(log.slice(4), ["write 10@20"], "a step and more ahead: no fill");
  await settle();
  await third;
  assert.equal(writer.end, 30, "the end is the records' end, not the zeros'");
});

test("a group that runs past the zeroed end waits for the fill in flight, so no zeros land on it", async () => {
  const { file, log, settle } = controlledFile();
  const writer = fillingWriter(file);
  const first = writer.write(group(10));
  const long = writer.write(group(150));
  assert.deepEqual(log, ["write 10@0", "zeros 100@10"]);
  await settle();
  await first;
  assert.deepEqual(log.slice(2), ["write 150@10"], "written once the fill has ended");
  await settle();
  await long;
  writer.write(group(10));
  assert.deepEqual(log.slice(3), ["write 10@160"], "a group outran the fill: none until the next segment");
});

test("a fill is written a chunk at a time, and a group waits only for the chunk under it", async () => {
  const { file, log, settle } = controlledFile();
  const writer = fillingWriter(file, 1000, 40);
  const first = writer.write(group(10));
  const second = writer.write(group(20));
  assert.deepEqual(log, ["write 10@0", "zeros 40@10"], "the second group races the first chunk");
  await settle();
  await first;
  assert.deepEqual(log.slice(2), ["zeros 40@50", "write 20@10"], "written once its chunk is durable");
  await settle();
  await second;
  assert.deepEqual(log.slice(4), ["zeros 20@90"]);
});

test("groups that catch up with a fill past its first chunk stop it until the next segment", async () => {
  const { file, log, settle } = controlledFile();
  const writer = fillingWriter(file, 1000, 40);
  const first = writer.write(group(10));
  await settle([], [0, 1]);
  await first;
  assert.deepEqual(log, ["write 10@0", "zeros 40@10", "zeros 40@50"]);
  const fast = writer.write(group(50));
  assert.equal(log.length, 3, "past the zeroed end (50): it waits for the chunk under it");
  await settle();
  assert.deepEqual(log.slice(3), ["write 50@10"], "and the fill stopped after that chunk");
  await settle();
  await fast;
  const next = writer.write(group(50));
  await settle();
  await next;
  assert.deepEqual(log.slice(4), ["write 50@60"], "no fill for the rest of the segment");
});

test("a group that outruns the fill's first chunk stops the fill as well", async () => {
  const { file, log, settle } = controlledFile();
  const writer = fillingWriter(file, 1000, 40);
  writer.write(group(10));
  const large = writer.write(group(60));
  await settle();
  assert.deepEqual(log, ["write 10@0", "zeros 40@10", "zeros 40@50"], "still waiting after one chunk");
  await settle();
  assert.deepEqual(log.slice(3), ["write 60@10"], "and no chunk after the one under it");
  await settle();
  await large;
  writer.write(group(10));
  assert.deepEqual(log.slice(4), ["write 10@70"]);
});

test("the fill stops at the segment's roll size", async () => {
  const { file, log, settle } = controlledFile();
  const writer = fillingWriter(file, 150);
  for (let i = 0; i < 3; i++) {
    const written = writer.write(group(10));
    await settle();
    await written;
  }
  assert.deepEqual(log, ["write 10@0", "zeros 100@10", "write 10@10", "zeros 40@110", "write 10@20"]);
});

test("a fill the disk refuses leaves the groups to extend the file, and their writes still work", async () => {
  const { file, log, settle } = controlledFile();
  const writer = fillingWriter(file);
  const first = writer.write(group(10));
  await settle([1]);
  await first;
  const second = writer.write(group(10));
  await settle();
  await second;
  assert.deepEqual(log, ["write 10@0", "zeros 100@10", "write 10@10"], "no fill is tried again");
  assert.equal(writer.end, 20);
});

test("a cut back and a close wait for the fill, then leave the file at the records' end", async () => {
  const { file, log, settle } = controlledFile();
  const writer = fillingWriter(file);
  const failed = assert.rejects(writer.write(group(10)), { code: "ENOSPC" });
  await settle([0], [0]);
  await failed;
  const cut = writer.cutBack(0);
  await nextTurn();
  assert.deepEqual(log, ["write 10@0", "zeros 100@10"], "no truncation under a fill");
  await settle();
  await cut;
  assert.deepEqual(log.slice(2), ["truncate 0", "datasync"]);

  const written = writer.write(group(10));
  await settle();
  await written;
  writer.write(group(10));
  const closed = writer.close();
  await settle();
  await closed;
  assert.deepEqual(log.slice(4), [
    "write 10@0",
    "zeros 100@10",
    "write 10@10",
    "zeros 100@110",
    "truncate 20",
    "datasync",
    "close",
  ]);
});

test("a roll cuts the old tail to its records, durably, before the next segment exists", async (t) => {
  const dir = await tempDir(t);
  const { file, log, settle } = controlledFile();
  const segments: Segment[] = [{ base: 0, size: 0, consumedAt: null }];
  const next = segmentPath(dir, 1);
  const truncate = file.truncate.bind(file);
  file.truncate = async (length?: number) => {
    log.push(existsSync(next) ? "the next segment already exists" : "no next segment yet");
    await truncate(length);
  };
  const writer = new TailWriter(segments, file, {
    dir,
    segmentBytes: 1000,
    fsync: true,
    onFsync: () => {},
    fillStep: 100,
    inlineBytes: 0,
  });
  const written = writer.write(group(10));
  await settle();
  await written;
  await writer.roll(1);
  assert.deepEqual(log, [
    "write 10@0",
    "zeros 100@10",
    "no next segment yet",
    "truncate 10",
    "datasync",
    "close",
  ]);
  assert.ok(existsSync(next));
  assert.deepEqual(segments.at(-1), { base: 1, size: 0, consumedAt: null });
  await writer.close();
});

/** A writer over segment `base` of a real directory, groups written on the calling thread, no fill. */
async function realTail(dir: string, segments: Segment[], syncDir?: (dir: string) => Promise<void>) {
  const tail = segments[segments.length - 1];
  return new TailWriter(segments, await open(segmentPath(dir, tail.base), "r+"), {
    dir,
    segmentBytes: 1000,
    fsync: true,
    onFsync: () => {},
    fillStep: 0,
    syncDir,
  });
}

test("a roll that fails once the new segment exists leaves no file behind, and the next roll works", async (t) => {
  const dir = await tempDir(t);
  await writeFile(segmentPath(dir, 0), "");
  const segments: Segment[] = [{ base: 0, size: 0, consumedAt: null }];
  let dirSyncs = 0;
  const writer = await realTail(dir, segments, async () => {
    // The first fails as an open of the directory does when the process is out of descriptors.
    if (dirSyncs++ === 0) throw Object.assign(new Error("too many open files"), { code: "EMFILE" });
  });
  await writer.write(group(10));
  await assert.rejects(writer.roll(1), { code: "queue_io" });
  assert.equal(existsSync(segmentPath(dir, 1)), false, "the failed roll removed its file");
  assert.equal(segments.length, 1);
  await writer.roll(1);
  await writer.write(group(10));
  assert.deepEqual(segments.at(-1), { base: 1, size: 0, consumedAt: null });
  assert.equal(readFileSync(segmentPath(dir, 1)).length, 10);
  await writer.close();
});

test("a roll takes over an empty segment file an earlier failed roll could not remove", async (t) => {
  const dir = await tempDir(t);
  await writeFile(segmentPath(dir, 0), "");
  await writeFile(segmentPath(dir, 1), "");
  const writer = await realTail(dir, [{ base: 0, size: 0, consumedAt: null }]);
  await writer.roll(1);
  await writer.write(group(10));
  assert.equal(readFileSync(segmentPath(dir, 1)).length, 10);
  await writer.close();
  // A file with records in it is never taken over.
  const writer2 = await realTail(dir, [{ base: 1, size: 10, consumedAt: null }]);
  await writeFile(segmentPath(dir, 2), "x");
  await assert.rejects(writer2.roll(2), { code: "queue_io" });
  await writer2.close();
});

/**
 * A real file behind a handle whose thread-pool writes are only logged: what lands in the file was
 * written on the calling thread.
 */
async function inlineFile(t: TestContext, flags: string) {
  const path = join(await tempDir(t), "tail");
  await writeFile(path, "");
  const handle = await open(path, flags);
  t.after(() => handle.close());
  const pooled: string[] = [];
  const file = {
    fd: handle.fd,
    async write(_buf: Buffer, _offset: number, length: number, position: number) {
      pooled.push(`write ${length}@${position}`);
      return { bytesWritten: length };
    },
  };
  const writer = new TailWriter([{ base: 0, size: 0, consumedAt: null }], file as unknown as FileHandle, {
    dir: "/nonexistent",
    segmentBytes: 1 << 20,
    fsync: true,
    onFsync: () => {},
    fillStep: 0,
    inlineBytes: 16,
  });
  return { path, pooled, writer };
}

test("a small group is in the file when write returns; a large one goes to the thread pool", async (t) => {
  const { path, pooled, writer } = await inlineFile(t, "r+");
  const small = writer.write(Buffer.from("0123456789abcdef"));
  assert.equal(readFileSync(path, "latin1"), "0123456789abcdef", "written before write returned");
  await small;
  await writer.write(group(17));
  assert.deepEqual(pooled, ["write 17@16"], "over the inline size: the pool writes it, after the first");
  assert.equal(writer.end, 33);
});

test("an inline write the OS refuses rejects the group's promise; it does not throw", async (t) => {
  const { writer } = await inlineFile(t, "r");
  let written: Promise<void> | undefined;
  assert.doesNotThrow(() => {
    written = writer.write(group(10));
  });
  await assert.rejects(written as Promise<void>, { code: "EBADF" });
  assert.equal(writer.end, 10, "the failed bytes stay counted until the log cuts them back");
});
