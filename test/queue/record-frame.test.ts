import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "node:zlib";
import { queueErrorFromIo } from "../../src/queue/file-io.js";
import {
  checkFrame,
  encodeRecords,
  FRAME_CORRUPT,
  FRAME_INCOMPLETE,
  framedSize,
  RECORD_HEADER_BYTES,
} from "../../src/queue/record-frame.js";
import { payloads } from "./temp-dir.js";

test("a frame is crc32 of length and payload, then the length, then the payload", () => {
  const group = payloads("hello", "");
  const out = Buffer.alloc(framedSize(group));
  assert.equal(encodeRecords(out, 0, group), out.length);
  assert.equal(out.readUInt32LE(4), 5);
  assert.equal(out.subarray(8, 13).toString(), "hello");
  assert.equal(out.readUInt32LE(0), crc32(out.subarray(4, 13)));
  assert.equal(checkFrame(out, 0, out.length, true), 5);
  assert.equal(checkFrame(out, 13, out.length, true), 0, "an empty payload is a record");
});

test("a frame cut short is incomplete, and a changed byte or a zeroed header is corrupt", () => {
  const out = Buffer.alloc(framedSize(payloads("hello")));
  encodeRecords(out, 0, payloads("hello"));
  assert.equal(checkFrame(out, 0, out.length - 1, true), FRAME_INCOMPLETE);
  assert.equal(checkFrame(out, 0, RECORD_HEADER_BYTES - 1, true), FRAME_INCOMPLETE);
  const flipped = Buffer.from(out);
  flipped[10] ^= 1;
  assert.equal(checkFrame(flipped, 0, flipped.length, true), FRAME_CORRUPT);
  assert.equal(checkFrame(flipped, 0, flipped.length, false), 5, "without verify only lengths count");
  assert.equal(checkFrame(Buffer.alloc(64), 0, 64, true), FRAME_CORRUPT);
  const huge = Buffer.alloc(16);
  huge.writeUInt32LE(0xffffffff, 4);
  assert.equal(checkFrame(huge, 0, 16, false), FRAME_CORRUPT);
});

test("a full disk is reported as queue_full and any other disk error as queue_io", () => {
  const enospc = Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
  assert.equal(queueErrorFromIo(enospc, "appending").code, "queue_full");
  const edquot = Object.assign(new Error("quota"), { code: "EDQUOT" });
  assert.equal(queueErrorFromIo(edquot, "appending").code, "queue_full");
  const eio = Object.assign(new Error("i/o error"), { code: "EIO" });
  const error = queueErrorFromIo(eio, "appending");
  assert.equal(error.code, "queue_io");
  assert.match(error.message, /appending failed: i\/o error/);
  assert.equal(error.cause, eio);
});
