// One process owns a data directory (the queue's, the event store's): two writers would overwrite or
// interleave each other's files. The lock is a `LOCK` file naming its owner; a lock whose owner is
// gone (a crash, kill -9, a reboot) is taken over. A pid alone cannot say that: after a reboot, or
// once pids wrap, the number may belong to some other live process, and Tally would refuse to start
// until someone deleted the file. So on Linux the owner is written as its pid, the boot's id and the
// process's start time (`/proc/<pid>/stat`), and a live pid counts only if both still match.

import { readFileSync } from "node:fs";
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

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}

/** `<boot id> <start time>` of a process, or null where /proc does not say (not Linux, or gone). */
function incarnation(pid: number): string | null {
  const boot = readOrNull("/proc/sys/kernel/random/boot_id")?.trim();
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (boot === undefined || stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  return start === undefined ? null : `${boot} ${start}`;
}

/** What a LOCK file says: the owner's pid, then its incarnation where the platform has one. */
export function lockContent(pid: number): string {
  const self = incarnation(pid);
  return self === null ? String(pid) : `${pid} ${self}`;
}

/** Whether the process a LOCK file names still holds it. */
export function ownerAlive(content: string): boolean {
  const [pidText, ...rest] = content.trim().split(" ");
  const pid = Number.parseInt(pidText, 10);
  if (!isAlive(pid)) return false;
  if (rest.length === 0) return true; // Written where /proc was missing, or by an older Tally.
  const now = incarnation(pid);
  return now === null || now === rest.join(" ");
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
  const mine = lockContent(process.pid);
  try {
    await writeFile(path, mine, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const owner = await readFile(path, "utf8");
    const pid = Number.parseInt(owner, 10);
    if (pid !== process.pid && ownerAlive(owner)) {
      throw refuse(`${what} ${dir} is held by process ${pid}; if it is gone, delete ${path}`);
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
