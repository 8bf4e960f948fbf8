// What deduplication keeps and decodes: dead rows as lists, insert ids decoded only when a run of
// two could hold copies and never kept in the cache, and copies between sealed segments and the
// buffer found through cached hashes that are verified exactly.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dropDead } from "../../../src/query/engine/dead-rows.js";
import type { DedupColumns } from "../../../src/query/engine/dedup-columns.js";
import { runDuplicates } from "../../../src/query/engine/dedup-runs.js";
import { againstBuffers } from "../../../src/query/engine/dedup-sealed-buffer.js";
import { InsertKeyTable, rowHashes } from "../../../src/query/engine/dedup-table.js";
import { segmentation } from "../../../src/query/engine/segmentation.js";
import { parseSegmentationParams } from "../../../src/query/params.js";
import { datasetOf, query } from "../dataset-builder.js";
import { loadDataset } from "./helpers.js";

/** One-row-per-entry columns: [event, id, time, insert id, offset]. */
function columns(rows: readonly [string, string, number, string, number][]): DedupColumns {
  const coded = (values: readonly string[]) => {
    const dictionary = [...new Set(values)];
    return { codes: Int32Array.from(values, (v) => dictionary.indexOf(v)), dictionary };
  };
  const distinctIds = coded(rows.map((r) => r[1]));
  return {
    events: coded(rows.map((r) => r[0])),
    distinctIds,
    sentIds: distinctIds,
    time: Float64Array.from(rows, (r) => r[2]),
    insertIds: coded(rows.map((r) => r[3])),
    offsets: Float64Array.from(rows, (r) => r[4]),
  };
}

describe("deduplication's cached results", () => {
  it("never reads the insert ids of a batch where no id has two events in one second", () => {
    const b = columns([
      ["Buy", "alice", 100, "x", 1],
      ["Buy", "alice", 101, "x", 2],
      ["Buy", "bob", 100, "x", 3],
    ]);
    const lazy: DedupColumns = {
      ...b,
      get insertIds(): never {
        throw new Error("insert ids decoded");
      },
    };
    assert.equal(runDuplicates(lazy), null);
  });

  it("gives the dead rows of a batch as a sorted list", () => {
    const b = columns([
      ["Buy", "alice", 100.1, "x", 5],
      ["Buy", "alice", 100.2, "x", 9],
      ["Buy", "alice", 100.3, "x", 7],
    ]);
    assert.deepEqual(Array.from(runDuplicates(b) ?? []), [0, 2]);
  });

  it("drops listed rows from an ascending selection and keeps the rest in order", () => {
    const rows = Uint32Array.of(1, 3, 4, 8, 9, 12);
    const n = dropDead(rows, rows.length, Uint32Array.of(0, 3, 9, 10, 20));
    assert.deepEqual(Array.from(rows.subarray(0, n)), [1, 4, 8, 12]);
  });

  it("keeps the larger offset of a sealed copy and a buffered copy, whichever side holds it", () => {
    const sealed = columns([
      ["Buy", "alice", 100, "a", 1],
      ["Buy", "bob", 100, "b", 9],
    ]);
    const buffer = columns([
      ["Buy", "alice", 100.5, "a", 5],
      ["Buy", "bob", 100.5, "b", 6],
    ]);
    const table = new InsertKeyTable([buffer]);
    const dead = againstBuffers(sealed, null, rowHashes(sealed), table);
    assert.deepEqual(Array.from(dead ?? []), [0], "alice's sealed copy lost to the buffer's");
    assert.deepEqual(
      Array.from(table.deadLists()[0] ?? []),
      [1],
      "bob's buffered copy lost to the sealed one",
    );
  });

  it("verifies a hash match against the keys, so rows whose hashes collide stay apart", () => {
    const sealed = columns([["Buy", "alice", 100, "a", 1]]);
    const buffer = columns([["Buy", "alice", 100, "other", 5]]);
    const table = new InsertKeyTable([buffer]);
    // The sealed row is given the buffered row's hash: only the exact check can tell them apart.
    const dead = againstBuffers(sealed, null, rowHashes(buffer), table);
    assert.equal(dead, null);
    assert.equal(table.deadLists()[0], null);
  });

  it("skips sealed rows already dead among the segments when probing the buffer", () => {
    const sealed = columns([
      ["Buy", "alice", 100, "a", 1],
      ["Buy", "alice", 100, "a", 2],
    ]);
    const buffer = columns([["Buy", "alice", 100, "a", 3]]);
    const table = new InsertKeyTable([buffer]);
    const dead = againstBuffers(sealed, Uint32Array.of(0), rowHashes(sealed), table);
    assert.deepEqual(Array.from(dead ?? []), [0, 1]);
    assert.equal(table.deadLists()[0], null);
  });

  it("keeps a sealed day's dead rows in the cache, not the insert ids they came from", async (t) => {
    const long = (n: number) => `${"i".repeat(400)}${n}`;
    // Each event twice: 300 events, 600 rows, with 400-character insert ids.
    const specs = Array.from({ length: 600 }, (_, n) => ({
      event: "Buy",
      user: `u${n % 50}`,
      time: `2024-01-01T10:${String(Math.floor((n % 300) / 50)).padStart(2, "0")}:00Z`,
      props: {},
      insertId: long(n % 300),
    }));
    const { source } = await loadDataset(t, datasetOf(specs), { sealAfter: [600] });
    const params = { event: "Buy", from_date: "2024-01-01", to_date: "2024-01-01" };
    const reply = await segmentation(source, parseSegmentationParams(query(params)));
    assert.equal(reply.data.values.Buy["2024-01-01"], 300);
    assert.ok(source.cache.bytes < 100_000, `the cache holds ${source.cache.bytes} bytes`);
  });
});
