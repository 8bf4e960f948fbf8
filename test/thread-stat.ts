// A thread's scheduling fields from its /proc stat line (Linux), for the tests of thread priorities.

import { readFileSync } from "node:fs";

/** Linux's scheduling policies, as the stat line numbers them. */
export const SCHED_OTHER = 0;
export const SCHED_IDLE = 5;

/** The nice value and scheduling policy in the stat file at `path` (/proc/<pid>/task/<tid>/stat). */
export function threadStat(path: string): { readonly nice: number; readonly policy: number } {
  const stat = readFileSync(path, "utf8");
  // The command name, in parentheses, may hold spaces: count the fields after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { nice: Number(fields[16]), policy: Number(fields[38]) };
}
