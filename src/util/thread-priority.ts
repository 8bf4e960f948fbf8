// Lowering the scheduling priority of the calling thread alone. Linux gives every thread its own
// nice value and scheduling policy (set with a thread id), and threads inherit both from the thread
// that starts them; /proc/thread-self names the calling thread's id. Elsewhere this does nothing.

import { execFile } from "node:child_process";
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The calling thread's id on Linux; null elsewhere, or where /proc does not say. */
function thisThreadId(): number | null {
  if (process.platform !== "linux") return null;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isSafeInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Sets the calling thread's nice value (0 normal, 19 lowest); false where threads cannot be told apart. */
export function setThisThreadNice(nice: number): boolean {
  const tid = thisThreadId();
  if (tid === null) return false;
  try {
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts the calling thread in Linux's SCHED_IDLE class, below every nice value. An ordinary thread
 * that wakes takes its core at once, and when the kernel places a waking thread it counts a core
 * that runs only SCHED_IDLE threads as idle. Node has no call for the policy, so util-linux's
 * `chrt` sets it; false where `chrt` is missing or refused, and the thread keeps its nice value.
 */
export async function setThisThreadIdle(): Promise<boolean> {
  const tid = thisThreadId();
  if (tid === null) return false;
  try {
    await run("chrt", ["--idle", "--pid", "0", String(tid)], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
