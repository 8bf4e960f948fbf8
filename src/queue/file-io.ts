// Whole reads and writes at a position (the OS may move fewer bytes than asked), and the mapping
// from what the disk said to the queue's error codes.

import { writeSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { QueueError, QueueFullError } from "./queue.js";

/** Reads exactly `length` bytes at `position` into `buf`; a file that ends first is corrupt. */
export async function readFully(
  file: FileHandle,
  buf: Buffer,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new QueueError(
        "queue_corrupt",
        `file ends at byte ${position + done}, ${length - done} bytes early`,
      );
    }
    done += bytesRead;
  }
}

/** Writes all of `buf` at `position` (an O_DSYNC file: durable when this resolves). */
export async function writeFully(file: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await file.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Writes all of `buf` at `position` of the file `fd` on the calling thread, which waits for it (an
 * O_DSYNC file: durable when this returns).
 */
export function writeFullyNow(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/** A full disk is `queue_full` (a 503 the client retries); anything else from the OS is `queue_io`. */
export function queueErrorFromIo(error: unknown, doing: string): QueueError {
  if (error instanceof QueueError) return error;
  const code = errnoCode(error);
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new QueueFullError(`the disk is full (${code}) while ${doing}`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new QueueError("queue_io", `${doing} failed: ${detail}`, { cause: error });
}

export function isMissingFile(error: unknown): boolean {
  return errnoCode(error) === "ENOENT";
}
