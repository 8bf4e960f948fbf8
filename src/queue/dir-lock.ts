// One process owns a queue directory: two writers appending to the same segment would overwrite each
// other's records. The lock is a `LOCK` file holding the owner's pid; a lock whose process is gone
// (a crash, kill -9) is taken over.

import { readFile, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isExistingFile, isMissingFile } from "./file-io.js";
import { QueueError } from "./queue.js";

const heldHere = new Set<string>();

export type ReleaseLock = () => Promise<void>;

export async function lockQueueDir(dir: string): Promise<ReleaseLock> {
  const key = resolve(dir);
  if (heldHere.has(key)) throw new QueueError("queue_locked", `queue ${dir} is already open in this process`);
  const path = join(dir, "LOCK");
  const mine = String(process.pid);
  try {
    await writeFile(path, mine, { flag: "wx" });
  } catch (error) {
    if (!isExistingFile(error)) throw error;
    const owner = Number.parseInt(await readFile(path, "utf8"), 10);
    if (owner !== process.pid && isAlive(owner)) {
      throw new QueueError(
        "queue_locked",
        `queue ${dir} is held by process ${owner}; if it is gone, delete ${path}`,
      );
    }
    await writeFile(path, mine);
  }
  heldHere.add(key);
  return async () => {
    heldHere.delete(key);
    await unlink(path).catch((error: unknown) => {
      if (!isMissingFile(error)) throw error;
    });
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
