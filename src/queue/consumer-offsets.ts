// Each consumer's committed offset lives in its own small file, `<dir>/consumers/<name>.offset`,
// holding one JSON line. It is replaced atomically (tmp file, fsync, rename, directory fsync), so a
// reader sees the old offset or the new one, never a mix; a leftover `.tmp` is a write that never
// happened.

import { open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir } from "../util/durable-dir.js";
import { QueueError } from "./queue.js";

const CONSUMER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const OFFSET_SUFFIX = ".offset";

export function consumersDir(dir: string): string {
  return join(dir, "consumers");
}

export function checkConsumerName(name: string): void {
  if (!CONSUMER_NAME.test(name)) {
    throw new QueueError(
      "invalid_consumer",
      `consumer name ${JSON.stringify(name)} must be 1-64 of A-Z a-z 0-9 _ -`,
    );
  }
}

/** Every consumer's committed offset; removes tmp files left by a crash mid-commit. */
export async function readCommittedOffsets(dir: string): Promise<Map<string, number>> {
  const folder = consumersDir(dir);
  const offsets = new Map<string, number>();
  for (const file of await readdir(folder)) {
    if (file.endsWith(".tmp")) {
      await unlink(join(folder, file));
    } else if (file.endsWith(OFFSET_SUFFIX)) {
      const name = file.slice(0, -OFFSET_SUFFIX.length);
      offsets.set(name, parseOffsetFile(join(folder, file), await readFile(join(folder, file), "utf8")));
    }
  }
  return offsets;
}

function parseOffsetFile(path: string, text: string): number {
  let offset: unknown;
  try {
    offset = (JSON.parse(text) as { offset?: unknown }).offset;
  } catch {
    offset = undefined;
  }
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw new QueueError(
      "queue_corrupt",
      `consumer offset file ${path} is unreadable: ${JSON.stringify(text)}`,
    );
  }
  return offset;
}

/** Replaces the consumer's offset file; durable when it resolves (if `fsync`). */
export async function writeCommittedOffset(
  dir: string,
  name: string,
  offset: number,
  fsync: boolean,
): Promise<void> {
  const folder = consumersDir(dir);
  const path = join(folder, name + OFFSET_SUFFIX);
  const tmp = path + ".tmp";
  const file = await open(tmp, "w");
  try {
    await file.writeFile(JSON.stringify({ consumer: name, offset }) + "\n");
    if (fsync) await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  if (fsync) await fsyncDir(folder);
}
