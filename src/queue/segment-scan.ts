// Walks the frames of one segment file from a byte position: recovery uses it (with checksums) to
// find where the good records of the tail end, a consumer (without) to find the byte position of
// its committed offset.

import type { FileHandle } from "node:fs/promises";
import { readFully } from "./file-io.js";
import { checkFrame, FRAME_CORRUPT, RECORD_HEADER_BYTES } from "./record-frame.js";

const CHUNK_BYTES = 1 << 20;

export interface ScanOptions {
  readonly from: number;
  /** Stop after this many records. */
  readonly maxRecords: number;
  readonly verify: boolean;
}

export interface ScanResult {
  /** Byte position just after the last whole (and, if verified, intact) record. */
  readonly end: number;
  readonly records: number;
  /** Why the scan stopped: the file ended cleanly, the record limit, a torn record, a bad one. */
  readonly stop: "end" | "limit" | "incomplete" | "corrupt";
}

export async function scanSegment(file: FileHandle, size: number, options: ScanOptions): Promise<ScanResult> {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let at = options.from;
  let records = 0;
  while (at < size) {
    if (records >= options.maxRecords) return { end: at, records, stop: "limit" };
    const length = Math.min(buf.length, size - at);
    await readFully(file, buf, length, at);
    let p = 0;
    let frame = checkFrame(buf, p, length, options.verify);
    while (frame >= 0 && records < options.maxRecords) {
      p += RECORD_HEADER_BYTES + frame;
      records++;
      frame = checkFrame(buf, p, length, options.verify);
    }
    if (records >= options.maxRecords || p === length) {
      at += p;
      continue;
    }
    if (frame === FRAME_CORRUPT) return { end: at + p, records, stop: "corrupt" };
    if (at + length >= size) return { end: at + p, records, stop: "incomplete" };
    if (p === 0) buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + buf.readUInt32LE(4));
    at += p;
  }
  return { end: at, records, stop: records >= options.maxRecords && at < size ? "limit" : "end" };
}
