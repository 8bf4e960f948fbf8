// Opening a log directory after a clean stop or a crash. Only the tail segment can hold a torn
// write (older segments were fsynced whole before the next one was created), so only the tail is
// scanned: it is cut at the first record that is incomplete or fails its checksum, and nothing from
// there on is ever replayed. Older segments are checked as they are read, and a bad record there is
// an error, never skipped.
//
// A tail left by a crash usually ends in zeros the writer filled ahead of its records
// (tail-writer.ts). They are cut like anything else past the last good record, but reported apart:
// zeros are expected there and say nothing of damage.

import { constants } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { fsyncDir } from "../util/durable-dir.js";
import { consumersDir, readCommittedOffsets } from "./consumer-offsets.js";
import { readFully } from "./file-io.js";
import { QueueError } from "./queue.js";
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES } from "./record-frame.js";
import { listSegments, type Segment, segmentPath } from "./segment-files.js";
import { type ScanResult, scanSegment } from "./segment-scan.js";
import { tailSyncFlag } from "./tail-writer.js";

/** What recovery found; worth a log line when anything was cut. */
export interface RecoveryReport {
  /** The tail segment's path. */
  readonly tail: string;
  /**
   * Bytes of a torn or corrupt write cut from the tail: from the first bad record to the zeros
   * after it. 0 after a clean stop, and when all that was cut was zeros.
   */
  readonly cutBytes: number;
  /** Why those bytes were cut, when any were. */
  readonly reason: "incomplete" | "corrupt" | null;
  /** Zeros cut from the tail's end: its fill ahead of the records, left by a crash. */
  readonly paddingBytes: number;
}

export interface RecoveredLog {
  readonly segments: Segment[];
  /** The tail segment, open for writing at its (possibly cut) end. */
  readonly tailFile: FileHandle;
  readonly nextOffset: number;
  readonly committed: Map<string, number>;
  readonly report: RecoveryReport;
}

export async function recoverLog(dir: string, fsync: boolean): Promise<RecoveredLog> {
  await mkdir(consumersDir(dir), { recursive: true });
  if (fsync) await fsyncDir(dir);
  const committed = await readCommittedOffsets(dir);
  const segments = await listSegments(dir);
  if (segments.length === 0) {
    if (committed.size > 0) {
      throw new QueueError("queue_corrupt", `queue ${dir} has consumer offsets but no segments`);
    }
    await (await open(segmentPath(dir, 0), "wx")).close();
    if (fsync) await fsyncDir(dir);
    segments.push({ base: 0, size: 0, consumedAt: null });
  }
  const tail = segments[segments.length - 1];
  const path = segmentPath(dir, tail.base);
  const tailFile = await open(path, constants.O_RDWR | tailSyncFlag(fsync));
  try {
    const scan = await scanSegment(tailFile, tail.size, { from: 0, maxRecords: Infinity, verify: true });
    const cut = await describeCut(tailFile, scan, tail.size);
    if (scan.end < tail.size) {
      await tailFile.truncate(scan.end);
      if (fsync) await tailFile.datasync();
      tail.size = scan.end;
    }
    const nextOffset = tail.base + scan.records;
    checkConsumers(dir, committed, segments[0].base, nextOffset);
    return { segments, tailFile, nextOffset, committed, report: { tail: path, ...cut } };
  } catch (error) {
    await tailFile.close();
    throw error;
  }
}

type Cut = Pick<RecoveryReport, "cutBytes" | "reason" | "paddingBytes">;

/**
 * Splits what is cut from the tail (from `scan.end` to `size`) into a damaged write and the zeros
 * after it. A bad record whose bytes run on into those zeros is a write torn in zero-filled space:
 * "incomplete", as a write cut short by the end of the file is.
 */
async function describeCut(file: FileHandle, scan: ScanResult, size: number): Promise<Cut> {
  if (scan.end === size) return { cutBytes: 0, reason: null, paddingBytes: 0 };
  const written = await endOfNonZero(file, scan.end, size);
  const paddingBytes = size - written;
  const cutBytes = written - scan.end;
  if (cutBytes === 0) return { cutBytes, reason: null, paddingBytes };
  if (scan.stop !== "corrupt" || written - scan.end < RECORD_HEADER_BYTES) {
    return { cutBytes, reason: "incomplete", paddingBytes };
  }
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  await readFully(file, header, RECORD_HEADER_BYTES, scan.end);
  const length = header.readUInt32LE(4);
  const torn = length <= MAX_RECORD_BYTES && scan.end + RECORD_HEADER_BYTES + length > written;
  return { cutBytes, reason: torn ? "incomplete" : "corrupt", paddingBytes };
}

const ZERO_SCAN_BYTES = 1 << 20;

/** The position after the last byte of `from` … `size` − 1 that is not zero; `from` if none is. */
async function endOfNonZero(file: FileHandle, from: number, size: number): Promise<number> {
  const buf = Buffer.allocUnsafe(Math.min(ZERO_SCAN_BYTES, size - from));
  let end = size;
  while (end > from) {
    const length = Math.min(buf.length, end - from);
    await readFully(file, buf, length, end - length);
    for (let i = length - 1; i >= 0; i--) if (buf[i] !== 0) return end - length + i + 1;
    end -= length;
  }
  return from;
}

/** A committed offset outside the log means records were lost under a consumer: say so, loudly. */
function checkConsumers(dir: string, committed: Map<string, number>, first: number, next: number): void {
  for (const [name, offset] of committed) {
    if (offset < first || offset > next) {
      throw new QueueError(
        "queue_corrupt",
        `consumer ${name} committed offset ${offset}, but queue ${dir} holds offsets ${first} to ${next}`,
      );
    }
  }
}
