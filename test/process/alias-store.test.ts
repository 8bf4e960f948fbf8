import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { isAnonymousId } from "../../src/process/alias-anonymous-id.js";
import { AliasCache } from "../../src/process/alias-cache.js";
import { type IdentityResult, MAX_CLUSTER_IDS } from "../../src/process/alias-store.js";
import { SqliteAliasStore, type SqliteAliasStoreOptions } from "../../src/process/sqlite-alias-store.js";

const P = 1;
const dirs: string[] = [];
const stores: SqliteAliasStore[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tally-alias-"));
  dirs.push(dir);
  return dir;
}

function open(dir = tempDir(), options: SqliteAliasStoreOptions = {}): SqliteAliasStore {
  const store = new SqliteAliasStore(dir, options);
  stores.push(store);
  return store;
}

after(async () => {
  for (const s of stores) await s.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function resolve(store: SqliteAliasStore, ...ids: string[]): Promise<string[]> {
  const map = await store.resolveMany(P, ids);
  return ids.map((id) => map.get(id)!);
}

function assertLinked(result: IdentityResult, canonicalId: string, changed: boolean): void {
  assert.ok(result.ok, `expected a link, got ${JSON.stringify(result)}`);
  assert.equal(result.canonicalId, canonicalId);
  assert.equal(result.changed, changed);
}

test("anonymous events, then $identify, then $create_alias: every id resolves to the identified user", async () => {
  const store = open();
  assert.deepEqual(await resolve(store, "device-1"), ["device-1"], "an unknown id resolves to itself");
  assertLinked(await store.identify(P, "user-42", "device-1"), "user-42", true);
  assertLinked(await store.createAlias(P, "ada@example.com", "user-42"), "user-42", true);
  assert.deepEqual(await resolve(store, "device-1", "user-42", "ada@example.com"), [
    "user-42",
    "user-42",
    "user-42",
  ]);
  assert.deepEqual(await store.membersOf(P, "device-1"), ["user-42", "device-1", "ada@example.com"]);
  assert.deepEqual(await store.membersOf(P, "stranger"), ["stranger"]);
});

test("an alias of an alias resolves to the end of the chain in one lookup", async () => {
  const store = open();
  assertLinked(await store.createAlias(P, "b", "a"), "a", true);
  assertLinked(await store.createAlias(P, "c", "b"), "a", true);
  assertLinked(await store.createAlias(P, "d", "c"), "a", true);
  assert.deepEqual(await resolve(store, "a", "b", "c", "d"), ["a", "a", "a", "a"]);
  assert.deepEqual(
    await store.snapshot(P),
    new Map([
      ["b", "a"],
      ["c", "a"],
      ["d", "a"],
    ]),
    "the snapshot holds only ids that resolve elsewhere",
  );
});

test("an alias already mapped to another user is refused, and repeating a link in place changes nothing", async () => {
  const store = open();
  assertLinked(await store.createAlias(P, "shared", "alice"), "alice", true);
  const refused = await store.createAlias(P, "shared", "bob");
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.reason, "alias-taken");
  assert.match(!refused.ok ? refused.message : "", /"shared" already belongs to "alice"/);
  assertLinked(await store.createAlias(P, "shared", "alice"), "alice", false);
  assert.deepEqual(await resolve(store, "shared"), ["alice"]);
});

test("the canonical id of another cluster cannot become an alias, so two users never fold by alias", async () => {
  const store = open();
  await store.createAlias(P, "alice-phone", "alice");
  const refused = await store.createAlias(P, "alice", "bob");
  assert.equal(!refused.ok && refused.reason, "alias-taken");
  assert.deepEqual(await resolve(store, "alice", "bob"), ["alice", "bob"]);
});

test("aliasing an id to itself, or back to its own alias, is a no-op and never makes a cycle", async () => {
  const store = open();
  assertLinked(await store.createAlias(P, "x", "x"), "x", false);
  assert.deepEqual(await store.snapshot(P), new Map());
  await store.createAlias(P, "b", "a");
  assertLinked(await store.createAlias(P, "a", "b"), "a", false);
  assert.deepEqual(await resolve(store, "a", "b"), ["a", "a"]);
  assert.deepEqual(await store.membersOf(P, "b"), ["a", "b"]);
});

test("$identify links several devices to one user but never re-links a device that belongs to another", async () => {
  const store = open();
  assertLinked(await store.identify(P, "alice", "phone"), "alice", true);
  assertLinked(await store.identify(P, "alice", "laptop"), "alice", true);
  const refused = await store.identify(P, "bob", "laptop");
  assert.equal(!refused.ok && refused.reason, "anon-id-taken");
  assert.deepEqual(await resolve(store, "phone", "laptop", "bob"), ["alice", "alice", "bob"]);
  assertLinked(await store.identify(P, "alice", "phone"), "alice", false);
});

test("$identify after a browser-style alias of the user id to the device id keeps one cluster", async () => {
  const store = open();
  assertLinked(await store.createAlias(P, "user-7", "device-7"), "device-7", true);
  assertLinked(await store.identify(P, "user-7", "device-7"), "device-7", false);
  assert.deepEqual(await resolve(store, "user-7"), ["device-7"]);
});

test("$merge joins two clusters under the older cluster's canonical id", async () => {
  const store = open();
  await store.createAlias(P, "a2", "a");
  await store.createAlias(P, "b2", "b");
  await store.createAlias(P, "b3", "b2");
  const result = await store.merge(P, "b3", "a2");
  assertLinked(result, "a", true);
  assert.ok(result.ok);
  assert.deepEqual([...result.absorbedIds].sort(), ["a2", "b", "b3"], "b's profile folds into a");
  assert.deepEqual(await resolve(store, "a", "a2", "b", "b2", "b3"), ["a", "a", "a", "a", "a"]);
  assert.deepEqual((await store.membersOf(P, "b")).sort(), ["a", "a2", "b", "b2", "b3"]);
  assertLinked(await store.merge(P, "a", "b2"), "a", false);
});

test("$merge of unlinked ids keeps the first, and an unlinked id joins an existing cluster", async () => {
  const store = open();
  assertLinked(await store.merge(P, "first", "second"), "first", true);
  assertLinked(await store.merge(P, "loner", "second"), "first", true);
  assert.deepEqual(await resolve(store, "second", "loner"), ["first", "first"]);
});

test("resolveMany asks the database once per call for all uncached ids, and not at all when cached", async () => {
  const statements: string[] = [];
  const store = open(tempDir(), { onStatement: (sql) => statements.push(sql) });
  await store.createAlias(P, "b", "a");
  await store.createAlias(P, "c", "b");
  const lookups = () => statements.filter((sql) => /^SELECT/i.test(sql.trim())).length;
  const ids = Array.from({ length: 5000 }, (_, i) => `user-${i % 2500}`).concat(["a", "b", "c"]);
  const before = lookups();
  const map = await store.resolveMany(P, ids);
  assert.equal(lookups() - before, 1, "one query for 2,503 distinct ids");
  assert.equal(map.size, 2503);
  assert.equal(map.get("c"), "a");
  assert.equal(map.get("user-7"), "user-7");
  await store.resolveMany(P, ids);
  assert.equal(lookups() - before, 1, "the second call is served from the cache");
  assert.equal(store.stats.lookupQueries, 1);
});

test("the cache follows merges and aliases made through the same store", async () => {
  const store = open();
  await store.createAlias(P, "a2", "a");
  await store.createAlias(P, "b2", "b");
  assert.deepEqual(await resolve(store, "a", "a2", "b", "b2", "new"), ["a", "a", "b", "b", "new"]);
  await store.merge(P, "b", "a");
  assert.deepEqual(await resolve(store, "a", "a2", "b", "b2"), ["a", "a", "a", "a"]);
  await store.createAlias(P, "new", "b2");
  assert.deepEqual(await resolve(store, "new"), ["a"]);
  await store.merge(P, "lonely", "a2");
  assert.deepEqual(await resolve(store, "lonely"), ["a"]);
});

test("the cache drops what it knows when another store on the same file commits", async () => {
  const dir = tempDir();
  const mine = open(dir);
  const theirs = open(dir);
  assert.deepEqual(await resolve(mine, "x", "y"), ["x", "y"]);
  await theirs.merge(P, "y", "x");
  assert.deepEqual(await resolve(mine, "x", "y"), ["y", "y"]);
});

test("ids that mean no user are never linked and resolve to themselves", async () => {
  const store = open();
  for (const id of [
    "anon",
    "NULL",
    "Undefined",
    "0",
    "-1",
    "[]",
    "{}",
    "00000000-0000-0000-0000-000000000000",
  ]) {
    assert.ok(isAnonymousId(id), id);
    const results = [
      await store.createAlias(P, id, "alice"),
      await store.createAlias(P, "alice2", id),
      await store.identify(P, "alice", id),
      await store.merge(P, id, "alice"),
    ];
    for (const r of results) assert.equal(!r.ok && r.reason, "anonymous-id", id);
  }
  assert.equal(isAnonymousId("anonymous-coward"), false);
  assert.equal(isAnonymousId("10"), false);
  assert.deepEqual(await resolve(store, "anon", "alice2"), ["anon", "alice2"]);
  assert.deepEqual(await store.snapshot(P), new Map());
});

test("projects keep separate alias maps", async () => {
  const store = open();
  await store.createAlias(P, "b", "a");
  assertLinked(await store.createAlias(2, "b", "z"), "z", true);
  assert.equal((await store.resolveMany(1, ["b"])).get("b"), "a");
  assert.equal((await store.resolveMany(2, ["b"])).get("b"), "z");
});

test("links survive closing and reopening the store, and __proto__ is an ordinary id", async () => {
  const dir = tempDir();
  const first = open(dir);
  await first.createAlias(P, "__proto__", "constructor");
  await first.close();
  const second = open(dir);
  const map = await second.resolveMany(P, ["__proto__", "prototype"]);
  assert.equal(map.get("__proto__"), "constructor");
  assert.equal(map.get("prototype"), "prototype");
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
});

test("the alias cache holds at most its capacity, evicting the least recently used entry", () => {
  const cache = new AliasCache(2);
  cache.set(1, "a", "A");
  cache.set(1, "b", "B");
  assert.equal(cache.get(1, "a"), "A");
  cache.set(1, "c", "C");
  assert.equal(cache.size, 2);
  assert.equal(cache.get(1, "b"), undefined, "b was least recently used");
  assert.equal(cache.get(1, "a"), "A");
  assert.equal(cache.get(2, "a"), undefined, "entries are per project");
  assert.throws(() => new AliasCache(0), RangeError);
});

test("a small cache still resolves correctly when ids are evicted", async () => {
  const store = open(tempDir(), { cacheSize: 3 });
  await store.createAlias(P, "b", "a");
  const ids = ["a", "b", "c", "d", "e", "f"];
  assert.deepEqual(await resolve(store, ...ids), ["a", "a", "c", "d", "e", "f"]);
  await store.merge(P, "c", "b");
  assert.deepEqual(await resolve(store, ...ids), ["a", "a", "a", "d", "e", "f"]);
});

test("a batch of identity events is applied in one transaction, each as it would be alone", async () => {
  const statements: string[] = [];
  const batched = open(tempDir(), { onStatement: (sql) => statements.push(sql) });
  const alone = open();
  const requests = [
    { kind: "identify", identifiedId: "user-1", anonId: "anon-1" },
    { kind: "alias", alias: "nick", distinctId: "anon-1" },
    { kind: "identify", identifiedId: "user-2", anonId: "anon-1" },
    { kind: "merge", a: "user-3", b: "user-1" },
    { kind: "alias", alias: "undefined", distinctId: "user-3" },
  ] as const;
  const before = statements.filter((sql) => /^BEGIN/i.test(sql)).length;
  const results = await batched.applyAll(P, requests);
  assert.equal(statements.filter((sql) => /^BEGIN/i.test(sql)).length - before, 1, "one transaction");
  const oneByOne: IdentityResult[] = [
    await alone.identify(P, "user-1", "anon-1"),
    await alone.createAlias(P, "nick", "anon-1"),
    await alone.identify(P, "user-2", "anon-1"),
    await alone.merge(P, "user-3", "user-1"),
    await alone.createAlias(P, "undefined", "user-3"),
  ];
  assert.deepEqual(results, oneByOne);
  assert.equal(results[2].ok, false, "anon-1 already belongs to user-1");
  const ids = ["anon-1", "nick", "user-1", "user-3", "user-2"];
  assert.deepEqual(await resolve(batched, ...ids), await resolve(alone, ...ids));
});

test("a user holds at most 500 ids: links and merges past that are refused as cluster-full", async () => {
  const store = open();
  const requests = Array.from({ length: MAX_CLUSTER_IDS }, (_, i) => ({
    kind: "alias" as const,
    alias: `kiosk-user-${i}`,
    distinctId: "kiosk",
  }));
  const results = await store.applyAll(P, requests);
  // "kiosk" itself is one of the ids: the 500th alias would be the 501st id.
  assert.equal(results.filter((r) => r.ok).length, MAX_CLUSTER_IDS - 1);
  const last = results.at(-1)!;
  assert.ok(!last.ok && last.reason === "cluster-full", JSON.stringify(last));
  assert.match(last.message, /would give user "kiosk" more than 500 ids/);
  assert.equal((await store.membersOf(P, "kiosk")).length, MAX_CLUSTER_IDS);
  const identify = await store.identify(P, "kiosk", "one-more-device");
  assert.ok(!identify.ok && identify.reason === "cluster-full");
  await store.createAlias(P, "other-2", "other");
  const merge = await store.merge(P, "other", "kiosk-user-3");
  assert.ok(!merge.ok && merge.reason === "cluster-full");
  assert.deepEqual(await resolve(store, "other-2", "one-more-device"), ["other", "one-more-device"]);
});
