// The write-ahead file of a write buffer: each appended batch is one checksummed frame, fsynced
// before `append` resolves, and replayed into the buffer when the store opens after a crash.
//   header: "TALLYWAL" | u32 version
//   frame:  u32 CRC-32 of (length field + payload) | u32 payload length | payload
//   payload: UTF-8 exact JSON, a list of [offset, event, distinctId, originalDistinctId|null, time,
//            insertId|null, properties]
// Only the last frame can be torn (frames are written one at a time, each after the last was
// fsynced): a short, zero-filled or mis-summed last frame is an append that never resolved, and is
// dropped. A bad frame with good bytes after it is corruption and fails loudly.

import { open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import type { JsonObject } from "../expr/value.js";
import { fsyncDir } from "./durable-fs.js";
import { corrupt } from "./errors.js";
import { stringifyExact } from "./exact-json.js";
import type { StoredEvent } from "./stored-event.js";

const MAGIC = "TALLYWAL";
const VERSION = 1;
const HEADER_BYTES = 12;
const FRAME_HEADER_BYTES = 8;

function header(): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(MAGIC, 0, "latin1");
  b.writeUInt32LE(VERSION, 8);
  return b;
}

export function encodeWalFrame(events: readonly StoredEvent[]): Buffer {
  const records = events.map((e) => [
    e.offset,
    e.event,
    e.distinctId,
    e.originalDistinctId ?? null,
    e.time,
    e.insertId,
    e.properties,
  ]);
  const payload = Buffer.from(stringifyExact(records)!, "utf8");
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
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
  if (buf.toString("latin1", 0, 8) !== MAGIC) throw corrupt(path, "not a write-ahead file (bad magic)");
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) throw corrupt(path, `unsupported write-ahead version ${version}`);
  const events: StoredEvent[] = [];
  let pos = HEADER_BYTES;
  while (pos < buf.length) {
    if (buf.length - pos < FRAME_HEADER_BYTES) break;
    const length = buf.readUInt32LE(pos + 4);
    const end = pos + FRAME_HEADER_BYTES + length;
    if (end > buf.length) break;
    if (crc32(buf.subarray(pos + 4, end)) !== buf.readUInt32LE(pos)) {
      if (end === buf.length || allZero(buf, pos)) break;
      throw corrupt(path, `frame at byte ${pos} fails its checksum and is not the last`);
    }
    for (const e of decodeWalPayload(
      buf.toString("utf8", pos + FRAME_HEADER_BYTES, end),
      `${path} at byte ${pos}`,
    )) {
      events.push(e);
    }
    pos = end;
  }
  return events;
}

function isText(v: unknown): v is string {
  return typeof v === "string";
}

/** The payload of a frame as written by `encodeWalFrame`. */
export function walPayload(frame: Buffer): Buffer {
  return frame.subarray(FRAME_HEADER_BYTES);
}

/** The events of one frame's payload, checked field by field. */
export function decodeWalPayload(text: string, where: string): StoredEvent[] {
  const out: StoredEvent[] = [];
  let records: unknown;
  try {
    records = JSON.parse(text);
  } catch {
    throw corrupt(where, "frame is not JSON");
  }
  if (!Array.isArray(records)) throw corrupt(where, "frame is not a list");
  for (const r of records) {
    if (!Array.isArray(r) || r.length !== 7) throw corrupt(where, "record is not a 7-element list");
    const [offset, event, distinctId, original, time, insertId, properties] = r as unknown[];
    const valid =
      Number.isSafeInteger(offset) &&
      isText(event) &&
      isText(distinctId) &&
      (original === null || isText(original)) &&
      typeof time === "number" &&
      (insertId === null || isText(insertId)) &&
      typeof properties === "object" &&
      properties !== null &&
      !Array.isArray(properties);
    if (!valid) throw corrupt(where, "record has a field of the wrong kind");
    out.push({
      event,
      distinctId,
      ...(original === null ? {} : { originalDistinctId: original as string }),
      time,
      insertId: insertId as string | null,
      properties: properties as JsonObject,
      offset: offset as number,
    });
  }
  return out;
}
