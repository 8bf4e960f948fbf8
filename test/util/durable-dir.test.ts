import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { mkdirDurable } from "../../src/util/durable-dir.js";

function scratch(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), "tally-durable-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

test("new directories are each made durable in their parent, up to the top one created", async (t) => {
  const root = scratch(t);
  const synced: string[] = [];
  await mkdirDurable(join(root, "1", "2024-01-15"), undefined, async (dir) => void synced.push(dir));
  assert.deepEqual(synced, [join(root, "1"), root]);
  synced.length = 0;
  await mkdirDurable(join(root, "1", "2024-01-15"), undefined, async (dir) => void synced.push(dir));
  assert.deepEqual(synced, [], "without a root, directories that exist are taken as durable");
});

test("with a root, a retry makes durable what a failed first call created", async (t) => {
  const root = scratch(t);
  const day = join(root, "1", "2024-01-15");
  const refused = mkdirDurable(day, root, async () => {
    throw Object.assign(new Error("too many open files"), { code: "EMFILE" });
  });
  await assert.rejects(refused, { code: "EMFILE" });
  const synced: string[] = [];
  await mkdirDurable(day, root, async (dir) => void synced.push(dir));
  assert.deepEqual(synced, [join(root, "1"), root]);
  mkdirSync(join(root, "1", "2024-01-16"));
  synced.length = 0;
  await mkdirDurable(join(root, "1", "2024-01-16"), root, async (dir) => void synced.push(dir));
  assert.deepEqual(synced, [join(root, "1"), root], "made durable even when nothing was created");
});
