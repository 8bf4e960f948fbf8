// Reads whole, checksummed records from a byte range of a segment for a consumer. Every byte in the
// range is durable, so anything that is not a good record there is corruption, reported loudly.
// One Buffer per read; the payloads handed out are views into it.

import type { FileHandle } from "node:fs/promises";
import { readFully } from "./file-io.js";
import { QueueError, type QueueRecord } from "./queue.js";
import { checkFrame, FRAME_CORRUPT, FRAME_INCOMPLETE, RECORD_HEADER_BYTES } from "./record-frame.js";

export interface RangeToRead {
  readonly file: FileHandle;
  /** The file's path, for error messages. */
  readonly path: string;
  readonly from: number;
  /** The durable end of the segment: a record boundary. */
  readonly to: number;
  /** Offset of the record at `from`. */
  readonly offset: number;
}

export interface RecordsRead {
  readonly records: QueueRecord[];
  /** Byte position after the last record returned. */
  readonly end: number;
}

/** Reads records from `range` until `maxRecords` or about `maxBytes`; at least one. */
export async function readRecords(
  range: RangeToRead,
  maxRecords: number,
  maxBytes: number,
): Promise<RecordsRead> {
  let length = Math.min(range.to - range.from, Math.max(maxBytes, RECORD_HEADER_BYTES));
  let buf = Buffer.allocUnsafe(length);
  await readFully(range.file, buf, length, range.from);
  if (checkFrame(buf, 0, length, false) === FRAME_INCOMPLETE && length < range.to - range.from) {
    // A record bigger than the byte budget: read just that one.
    length = RECORD_HEADER_BYTES + buf.readUInt32LE(4);
    if (length > range.to - range.from) throw corruptAt(range, range.from, range.offset, "runs past the end");
    buf = Buffer.allocUnsafe(length);
    await readFully(range.file, buf, length, range.from);
  }
  const records: QueueRecord[] = [];
  let p = 0;
  while (records.length < maxRecords && p < length) {
    const frame = checkFrame(buf, p, length, true);
    if (frame === FRAME_CORRUPT) {
      throw corruptAt(range, range.from + p, range.offset + records.length, "fails its checksum");
    }
    if (frame === FRAME_INCOMPLETE) {
      if (range.from + length < range.to) break;
      throw corruptAt(range, range.from + p, range.offset + records.length, "is cut short");
    }
    const payloadAt = p + RECORD_HEADER_BYTES;
    records.push({
      offset: range.offset + records.length,
      payload: buf.subarray(payloadAt, payloadAt + frame),
    });
    p = payloadAt + frame;
  }
  return { records, end: range.from + p };
}

function corruptAt(range: RangeToRead, position: number, offset: number, what: string): QueueError {
  return new QueueError(
    "queue_corrupt",
    `queue segment ${range.path} is corrupt: the record at byte ${position} (offset ${offset}) ${what}`,
  );
}
