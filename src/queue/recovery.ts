// Opening a log directory after a clean stop or a crash. Only the tail segment can hold a torn
// write (older segments were fsynced whole before the next one was created), so only the tail is
// scanned: it is cut at the first record that is incomplete or fails its checksum, and nothing from
// there on is ever replayed. Older segments are checked as they are read, and a bad record there is
// an error, never skipped.

import { constants } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { consumersDir, readCommittedOffsets } from "./consumer-offsets.js";
import { QueueError } from "./queue.js";
import { listSegments, type Segment, segmentPath, syncDir } from "./segment-files.js";
import { scanSegment } from "./segment-scan.js";
import { tailSyncFlag } from "./tail-writer.js";

/** What recovery found; worth a log line when anything was cut. */
export interface RecoveryReport {
  /** The tail segment's path. */
  readonly tail: string;
  /** Bytes cut from the tail's end (a torn or corrupt write); 0 after a clean stop. */
  readonly cutBytes: number;
  /** Why the tail was cut, when it was. */
  readonly reason: "incomplete" | "corrupt" | null;
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
  if (fsync) await syncDir(dir);
  const committed = await readCommittedOffsets(dir);
  const segments = await listSegments(dir);
  if (segments.length === 0) {
    if (committed.size > 0) {
      throw new QueueError("queue_corrupt", `queue ${dir} has consumer offsets but no segments`);
    }
    await (await open(segmentPath(dir, 0), "wx")).close();
    if (fsync) await syncDir(dir);
    segments.push({ base: 0, size: 0, consumedAt: null });
  }
  const tail = segments[segments.length - 1];
  const path = segmentPath(dir, tail.base);
  const tailFile = await open(path, constants.O_RDWR | tailSyncFlag(fsync));
  try {
    const scan = await scanSegment(tailFile, tail.size, { from: 0, maxRecords: Infinity, verify: true });
    const cutBytes = tail.size - scan.end;
    if (cutBytes > 0) {
      await tailFile.truncate(scan.end);
      if (fsync) await tailFile.datasync();
      tail.size = scan.end;
    }
    const nextOffset = tail.base + scan.records;
    checkConsumers(dir, committed, segments[0].base, nextOffset);
    const reason = scan.stop === "incomplete" || scan.stop === "corrupt" ? scan.stop : null;
    return { segments, tailFile, nextOffset, committed, report: { tail: path, cutBytes, reason } };
  } catch (error) {
    await tailFile.close();
    throw error;
  }
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
