// One process owns an event-store directory: two writers would interleave write-ahead frames and
// race on manifests. The lock is a `LOCK` file holding the owner's pid; a lock whose process is gone
// (a crash, kill -9) is taken over.

import { readFile, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { StoreError } from "./errors.js";

const heldHere = new Set<string>();

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

export async function lockStoreDir(dir: string): Promise<() => Promise<void>> {
  const key = resolve(dir);
  if (heldHere.has(key))
    throw new StoreError("store_invalid", `event store ${dir} is already open in this process`);
  const path = join(dir, "LOCK");
  const mine = String(process.pid);
  try {
    await writeFile(path, mine, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const owner = Number.parseInt(await readFile(path, "utf8"), 10);
    if (owner !== process.pid && isAlive(owner)) {
      throw new StoreError(
        "store_invalid",
        `event store ${dir} is held by process ${owner}; if it is gone, delete ${path}`,
      );
    }
    await writeFile(path, mine);
  }
  heldHere.add(key);
  return async () => {
    heldHere.delete(key);
    await unlink(path).catch(() => undefined);
  };
}
