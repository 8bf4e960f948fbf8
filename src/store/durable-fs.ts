// The crash-safety rules of the store, in one place: a file becomes visible under its final name
// only whole and on disk (write to a temp name, fsync it, rename, fsync the directory), and a new
// directory's entry is on disk before anything inside it is trusted.

import { open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { fsyncDir } from "../util/durable-dir.js";

/** The suffix of files being written; any left on open are torn and are removed. */
export const TEMP_SUFFIX = ".tmp";

/** Writes `chunks` to `path` atomically and durably: after a crash it holds all of them or is absent. */
export async function writeFileDurably(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const temp = path + TEMP_SUFFIX;
  const bytes = Buffer.concat(chunks);
  const handle = await open(temp, "w");
  try {
    // The OS may write fewer bytes than asked: write until all are out.
    for (let done = 0; done < bytes.length; ) {
      done += (await handle.write(bytes, done, bytes.length - done, done)).bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(path));
}

/** Removes a file that may already be gone. */
export async function removeIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  });
}
