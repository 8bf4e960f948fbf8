// Lowering the scheduling priority of the calling thread alone. Linux gives every thread its own
// nice value (setpriority with a thread id) and threads inherit it from the thread that starts
// them; /proc/thread-self names the calling thread's id. Elsewhere this does nothing.

import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** Sets the calling thread's nice value (0 normal, 19 lowest); false where threads cannot be told apart. */
export function setThisThreadNice(nice: number): boolean {
  if (process.platform !== "linux") return false;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
