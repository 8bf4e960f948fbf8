// One process owns a data directory (the queue's, the event store's): two writers would overwrite or
// interleave each other's files. The lock is a `LOCK` file holding the owner's pid; a lock whose
// process is gone (a crash, kill -9) is taken over.

import { readFile, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

const heldHere = new Set<string>();

export type ReleaseLock = () => Promise<void>;

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

/**
 * Takes the lock of `dir`, or throws what `refuse` makes of a message saying who holds it. `what`
 * names the directory in messages ("queue", "event store").
 */
export async function lockDir(
  dir: string,
  what: string,
  refuse: (message: string) => Error,
): Promise<ReleaseLock> {
  const key = resolve(dir);
  if (heldHere.has(key)) throw refuse(`${what} ${dir} is already open in this process`);
  const path = join(dir, "LOCK");
  const mine = String(process.pid);
  try {
    await writeFile(path, mine, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const owner = Number.parseInt(await readFile(path, "utf8"), 10);
    if (owner !== process.pid && isAlive(owner)) {
      throw refuse(`${what} ${dir} is held by process ${owner}; if it is gone, delete ${path}`);
    }
    await writeFile(path, mine);
  }
  heldHere.add(key);
  return async () => {
    heldHere.delete(key);
    await unlink(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    });
  };
}
