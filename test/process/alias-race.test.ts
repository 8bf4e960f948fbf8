import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { IdentityResult } from "../../src/process/alias-store.js";
import { SqliteAliasStore } from "../../src/process/sqlite-alias-store.js";

const P = 1;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tally-alias-race-"));
  dirs.push(dir);
  return dir;
}

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("two stores on one file racing to alias the same new id leave exactly one winner", async () => {
  const dir = tempDir();
  const first = new SqliteAliasStore(dir);
  const second = new SqliteAliasStore(dir);
  const [a, b] = await Promise.all([
    first.createAlias(P, "new-id", "alice"),
    second.createAlias(P, "new-id", "bob"),
  ]);
  const winners = [a, b].filter((r) => r.ok);
  assert.equal(winners.length, 1);
  const loser = [a, b].find((r) => !r.ok);
  assert.equal(loser !== undefined && !loser.ok && loser.reason, "alias-taken");
  const winner = winners[0]!.ok ? winners[0]!.canonicalId : "";
  assert.equal((await first.resolveMany(P, ["new-id"])).get("new-id"), winner);
  assert.equal((await second.resolveMany(P, ["new-id"])).get("new-id"), winner);
  await first.close();
  await second.close();
});

// Each child process opens its own store on the same file, waits for "go" on stdin so both start
// together, then aliases the same ids to its own user and prints one line of results.
const CHILD = `
  const { SqliteAliasStore } = await import(process.env.STORE_MODULE);
  const store = new SqliteAliasStore(process.env.DIR);
  process.stdout.write("ready\\n");
  process.stdin.once("data", async () => {
    const results = [];
    for (let i = 0; i < Number(process.env.COUNT); i++) {
      results.push(await store.createAlias(1, "alias-" + i, process.env.USER_ID));
    }
    await store.close();
    process.stdout.write(JSON.stringify(results) + "\\n");
    process.exit(0);
  });
`;

interface Child {
  readonly ready: Promise<void>;
  readonly results: Promise<IdentityResult[]>;
  go(): void;
}

function startChild(dir: string, userId: string, count: number): Child {
  const storeModule = fileURLToPath(new URL("../../src/process/sqlite-alias-store.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", CHILD], {
    env: { ...process.env, DIR: dir, USER_ID: userId, COUNT: String(count), STORE_MODULE: storeModule },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    out += chunk;
    if (out.startsWith("ready\n")) markReady();
  });
  const results = new Promise<IdentityResult[]>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`child for ${userId} exited with ${code}`));
      else resolve(JSON.parse(out.slice("ready\n".length)) as IdentityResult[]);
    });
  });
  return { ready, results, go: () => child.stdin.end("go\n") };
}

test("two processes racing to alias the same ids to different users leave one winner per id", async () => {
  const dir = tempDir();
  const count = 200;
  const children = [startChild(dir, "alice", count), startChild(dir, "bob", count)];
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const [alice, bob] = await Promise.all(children.map((c) => c.results));
  const store = new SqliteAliasStore(dir);
  const ids = Array.from({ length: count }, (_, i) => `alias-${i}`);
  const resolved = await store.resolveMany(P, ids);
  await store.close();
  for (let i = 0; i < count; i++) {
    const a = alice![i]!;
    const b = bob![i]!;
    assert.equal(Number(a.ok) + Number(b.ok), 1, `exactly one winner for alias-${i}`);
    const [won, lost] = a.ok ? [a, b] : [b, a];
    assert.equal(!lost.ok && lost.reason, "alias-taken");
    assert.equal(resolved.get(ids[i]!), won.ok ? won.canonicalId : "", "the store agrees with the winner");
  }
});
