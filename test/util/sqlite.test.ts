import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openDurableDatabase } from "../../src/util/sqlite.js";

test("a database is opened in WAL mode with every commit fsynced (synchronous FULL), not better-sqlite3's NORMAL", () => {
  const dir = mkdtempSync(join(tmpdir(), "tally-sqlite-"));
  try {
    const db = openDurableDatabase(join(dir, "x.db"));
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(
      db.pragma("synchronous", { simple: true }),
      2,
      "2 is FULL; 1 (NORMAL) loses commits on power loss",
    );
    assert.equal(db.pragma("busy_timeout", { simple: true }), 5000);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
