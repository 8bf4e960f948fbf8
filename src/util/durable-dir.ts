// Directories whose entries must survive a power loss: a new file or directory is only on disk once
// the directory holding it has been fsynced. Shared by the queue and the event store.

import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `dir` and any missing parents, each made durable in its own parent. With `root` (an
 * ancestor of `dir`), every directory from `dir` up to `root` is made durable whether or not this
 * call created it: a call that failed after its mkdir (an fsync refused for want of a descriptor)
 * leaves directories that a retry would otherwise take for durable.
 */
export async function mkdirDurable(
  dir: string,
  root?: string,
  sync: (dir: string) => Promise<void> = fsyncDir,
): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  let top = created;
  if (root !== undefined) {
    let underRoot = dir;
    while (dirname(underRoot) !== root && dirname(underRoot) !== underRoot) underRoot = dirname(underRoot);
    // Both are `dir` or its ancestors: the shorter path is the higher directory.
    if (top === undefined || underRoot.length < top.length) top = underRoot;
  }
  if (top === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await sync(dirname(d));
    if (d === top || dirname(d) === d) break;
  }
}
