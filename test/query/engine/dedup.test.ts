// Duplicates: inside one batch through its sort order (pairwise, or by map for long runs), and
// across batches through the insert-key table, always keeping the copy with the largest offset.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeadRows } from "../../../src/query/engine/dead-rows.js";
import type { DedupColumns } from "../../../src/query/engine/dedup-columns.js";
import { runDuplicates } from "../../../src/query/engine/dedup-runs.js";
import { InsertKeyTable } from "../../../src/query/engine/dedup-table.js";
import { sentDistinctIds } from "../../../src/store/system-columns.js";

interface Row {
  readonly event: string;
  /** Stored under. */
  readonly id: string;
  /** Sent with, when ingestion filed the event under another id. */
  readonly sent?: string;
  readonly time: number;
  readonly insertId: string | null;
  readonly offset: number;
}

function coded(values: readonly (string | null)[]) {
  const dictionary: string[] = [];
  const codes = Int32Array.from(values, (v) => {
    if (v === null) return -1;
    if (!dictionary.includes(v)) dictionary.push(v);
    return dictionary.indexOf(v);
  });
  return { codes, dictionary };
}

/** A batch in store order: by id, then time, then offset. */
function batch(rows: readonly Row[]): DedupColumns {
  const sorted = [...rows].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : a.time - b.time || a.offset - b.offset,
  );
  const distinctIds = coded(sorted.map((r) => r.id));
  const originals = coded(sorted.map((r) => r.sent ?? null));
  return {
    events: coded(sorted.map((r) => r.event)),
    distinctIds,
    sentIds: sentDistinctIds(distinctIds, originals),
    insertIds: coded(sorted.map((r) => r.insertId)),
    time: Float64Array.from(sorted, (r) => r.time),
    offsets: Float64Array.from(sorted, (r) => r.offset),
  };
}

/** Offsets of the rows left alive. */
function alive(b: DedupColumns, dead: DeadRows): number[] {
  return Array.from(b.offsets)
    .filter((_, i) => dead === null || !dead.includes(i))
    .sort((x, y) => x - y);
}

const row = (offset: number, over: Partial<Row> = {}): Row => ({
  event: "Buy",
  id: "alice",
  time: 100,
  insertId: "x",
  offset,
  ...over,
});

describe("deduplication", () => {
  it("keeps the largest offset among copies in one second, whatever their fractions", () => {
    const b = batch([row(1, { time: 100.9 }), row(3, { time: 100.1 }), row(2, { time: 100.5 })]);
    assert.deepEqual(alive(b, runDuplicates(b)), [3]);
  });

  it("leaves alone rows that differ in event, id, second or insert id, and rows without one", () => {
    const b = batch([
      row(1),
      row(2, { event: "Visit" }),
      row(3, { id: "bob" }),
      row(4, { time: 101 }),
      row(5, { insertId: "y" }),
      row(6, { insertId: null }),
      row(7, { insertId: null }),
    ]);
    assert.equal(runDuplicates(b), null);
  });

  it("deduplicates a long run of one user's events in one second through a map", () => {
    const rows = Array.from({ length: 100 }, (_, k) =>
      row(k + 1, { insertId: `i${k % 10}`, time: 100 + k / 1000 }),
    );
    const b = batch(rows);
    assert.deepEqual(alive(b, runDuplicates(b)), [91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
  });

  it("keys on the id as sent: a copy sent again after an $identify is filed under the person", () => {
    const b = batch([
      row(1, { id: "anon" }),
      row(2, { id: "alice", sent: "anon" }),
      // Sent as alice, with the same insert id and second: another event.
      row(3, { id: "alice" }),
      row(4, { id: "alice", sent: "anon", event: "Visit" }),
    ]);
    assert.deepEqual(alive(b, runDuplicates(b)), [2, 3, 4]);
  });

  it("and two events sent with different ids are two, though both are filed under one person", () => {
    const b = batch([
      row(1, { id: "alice", sent: "anon" }),
      row(2, { id: "alice" }),
      row(3, { id: "alice", sent: "device" }),
    ]);
    assert.equal(runDuplicates(b), null);
    const [buffer] = new InsertKeyTable([batch([row(4, { id: "alice", sent: "anon" })])]).deadLists();
    assert.equal(buffer, null);
  });

  it("finds copies across batches and within each, keeping one copy in all", () => {
    const first = batch([row(1), row(5, { id: "bob" }), row(6, { insertId: null }), row(7, { id: "carol" })]);
    const second = batch([row(4), row(2), row(3, { id: "bob" }), row(8, { id: "dave", sent: "carol" })]);
    const table = new InsertKeyTable([first, second]);
    const [firstDead, secondDead] = table.deadLists();
    assert.deepEqual(alive(first, firstDead), [5, 6]);
    assert.deepEqual(alive(second, secondDead), [4, 8]);
  });
});
