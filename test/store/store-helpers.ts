// Shared pieces of the store tests: temporary directories, and reading every row back out of a
// snapshot in offset order.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventStore } from "../../src/store/event-store.js";
import { stringifyExact } from "../../src/store/exact-json.js";
import type { StoredEvent } from "../../src/store/stored-event.js";

const dirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tally-store-"));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Every stored row of a project, in offset order. */
export function readAll(
  store: EventStore,
  projectId: number,
  from = "0000-00-00",
  to = "9999-99-99",
): StoredEvent[] {
  const snapshot = store.partitions(projectId, from, to);
  try {
    const rows: StoredEvent[] = [];
    for (const p of snapshot.partitions) {
      for (const b of p.batches) for (let i = 0; i < b.length; i++) rows.push(b.row(i));
    }
    return rows.sort((a, b) => a.offset - b.offset);
  } finally {
    snapshot.release();
  }
}

/** Text that differs when a value, a -0 or the order of keys differs. */
export function exactText(events: readonly StoredEvent[]): string[] {
  return events.map((e) => stringifyExact(e) ?? "");
}
