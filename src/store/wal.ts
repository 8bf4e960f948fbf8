// The write-ahead file of a write buffer: each appended batch is one checksummed frame, fsynced
// before `append` resolves, and replayed into the buffer when the store opens after a crash.
//   header: "TALLYWAL" | u32 version
//   frame:  u32 CRC-32 of (length field + payload) | u32 payload length | payload
//   payload: the frame's records, in the file's version (wal-record.ts)
// Only the last frame can be torn (frames are written one at a time, each after the last was
// fsynced): a short, zero-filled or mis-summed last frame, or one whose length field reads zero (its
// page never written) with no whole frame anywhere after it, is an append that never resolved, and
// is dropped; so is a whole file whose header reads zeros. A bad frame with good bytes after it is
// corruption and fails loudly.

import { open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import { fsyncDir } from "../util/durable-dir.js";
import { corrupt } from "./errors.js";
import type { StoredEvent } from "./stored-event.js";
import {
  encodeWalRecords,
  readWalRecords,
  StoredEventList,
  WAL_RECORDS_V1,
  WAL_RECORDS_V2,
  type WalEvent,
} from "./wal-record.js";

const MAGIC = "TALLYWAL";
const VERSION = WAL_RECORDS_V2;
const HEADER_BYTES = 12;
const FRAME_HEADER_BYTES = 8;

function header(): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(MAGIC, 0, "latin1");
  b.writeUInt32LE(VERSION, 8);
  return b;
}

export function encodeWalFrame(events: readonly WalEvent[]): Buffer {
  const frame = encodeWalRecords(events, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(frame.length - FRAME_HEADER_BYTES, 4);
  frame.writeUInt32LE(crc32(frame.subarray(4)), 0);
  return frame;
}

/** Appends one frame and fsyncs; `create` starts a new file (and makes its name durable). */
export async function appendWalFrame(path: string, frame: Buffer, create: boolean): Promise<void> {
  const bytes = create ? Buffer.concat([header(), frame]) : frame;
  const handle = await open(path, create ? "wx" : "a");
  try {
    for (let done = 0; done < bytes.length; ) {
      done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (create) await fsyncDir(dirname(path));
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Every whole frame's events, in order; a torn last frame is left out. */
export async function readWal(path: string): Promise<StoredEvent[]> {
  const buf = await readFile(path);
  // A file cut before its header ends was created by an append that never resolved.
  if (buf.length < HEADER_BYTES) return [];
  // The header is written with the first frame, by one write that must resolve before any other: a
  // header of zeros is that write's page never reaching the disk.
  if (allZero(buf.subarray(0, HEADER_BYTES), 0)) return [];
  if (buf.toString("latin1", 0, 8) !== MAGIC) throw corrupt(path, "not a write-ahead file (bad magic)");
  const version = buf.readUInt32LE(8);
  if (version !== WAL_RECORDS_V1 && version !== WAL_RECORDS_V2) {
    throw corrupt(path, `unsupported write-ahead version ${version}`);
  }
  const events = new StoredEventList();
  let pos = HEADER_BYTES;
  while (pos < buf.length) {
    if (buf.length - pos < FRAME_HEADER_BYTES) break;
    const length = buf.readUInt32LE(pos + 4);
    const end = pos + FRAME_HEADER_BYTES + length;
    if (end > buf.length) break;
    // A frame is never empty: a length of zero is an unwritten page under the last frame's header,
    // unless a whole frame follows somewhere, which makes it damage in the middle.
    if (length === 0) {
      if (wholeFrameAfter(buf, pos + FRAME_HEADER_BYTES)) {
        throw corrupt(path, `frame at byte ${pos} has a zero length and whole frames after it`);
      }
      break;
    }
    if (crc32(buf.subarray(pos + 4, end)) !== buf.readUInt32LE(pos)) {
      if (end === buf.length || allZero(buf, pos)) break;
      throw corrupt(path, `frame at byte ${pos} fails its checksum and is not the last`);
    }
    readWalRecords(buf.subarray(pos + FRAME_HEADER_BYTES, end), version, `${path} at byte ${pos}`, events);
    pos = end;
  }
  return events.events;
}

/**
 * Whether a frame with a good checksum starts anywhere from `from` on. Only run on recovery, at a
 * zero length field; a torn tail's bytes are the frame's own payload, whose text never passes for a
 * length that fits, so the scan seldom computes a checksum.
 */
function wholeFrameAfter(buf: Buffer, from: number): boolean {
  for (let pos = from; pos + FRAME_HEADER_BYTES < buf.length; pos++) {
    const length = buf.readUInt32LE(pos + 4);
    const end = pos + FRAME_HEADER_BYTES + length;
    if (length === 0 || end > buf.length) continue;
    if (crc32(buf.subarray(pos + 4, end)) === buf.readUInt32LE(pos)) return true;
  }
  return false;
}

/** The payload of a frame as written by `encodeWalFrame`. */
export function walPayload(frame: Buffer): Buffer {
  return frame.subarray(FRAME_HEADER_BYTES);
}
