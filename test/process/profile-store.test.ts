import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SqliteProfileStore } from "../../src/process/profile-sqlite-store.js";
import type { ProfileBatchItem } from "../../src/process/profile-store.js";
import { type ProfileUpdate, parseProfileUpdate } from "../../src/process/profile-update.js";

const P = 1;
const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
const dirs: string[] = [];
const stores: SqliteProfileStore[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tally-profiles-"));
  dirs.push(dir);
  return dir;
}

function open(dir = tempDir()): SqliteProfileStore {
  const store = new SqliteProfileStore(dir);
  stores.push(store);
  return store;
}

after(async () => {
  for (const s of stores) await s.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An /engage record for user "u" at T0 + `second` seconds, unless it names its own $time. */
function update(record: Record<string, unknown>, second = 0): ProfileUpdate {
  const parsed = parseProfileUpdate({ $distinct_id: "u", $ignore_time: true, ...record }, T0 + second * 1000);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.update;
}

/** Applies the records in order at rising offsets, each one second after the one before. */
async function applyAll(store: SqliteProfileStore, ...records: Record<string, unknown>[]): Promise<void> {
  const base = nextOffset;
  nextOffset += records.length;
  await store.applyMany(
    records.map((r, i) => ({ projectId: P, offset: base + i, update: update(r, base + i) })),
  );
}
let nextOffset = 1;

async function props(store: SqliteProfileStore, id = "u"): Promise<unknown> {
  const profile = await store.get(P, id);
  return profile === undefined ? undefined : JSON.parse(profile.propertiesJson);
}

test("$set sets and overwrites in place, keeping the order properties were first set", async () => {
  const store = open();
  await applyAll(
    store,
    { $set: { name: "Ada", plan: "free" } },
    { $set: { "2": "two", plan: "pro", city: "Oslo" } },
  );
  const profile = await store.get(P, "u");
  assert.equal(profile?.propertiesJson, '{"name":"Ada","plan":"pro","2":"two","city":"Oslo"}');
  assert.equal(profile?.properties["plan"], "pro");
});

test("$set_once sets only properties that are absent", async () => {
  const store = open();
  await applyAll(
    store,
    { $set_once: { first_seen: "mon" } },
    { $set_once: { first_seen: "tue", source: "ad" } },
  );
  assert.deepEqual(await props(store), { first_seen: "mon", source: "ad" });
});

test("$add counts an absent property as 0 and leaves a non-number property alone", async () => {
  const store = open();
  await applyAll(
    store,
    { $set: { label: "x" } },
    { $add: { visits: 1, label: 5 } },
    { $add: { visits: 2.5 } },
    { $add: { visits: -1 } },
  );
  assert.deepEqual(await props(store), { label: "x", visits: 2.5 });
});

test("$append makes a list of an absent property and appends to a list", async () => {
  const store = open();
  await applyAll(
    store,
    { $append: { pages: "/home" } },
    { $append: { pages: { path: "/cart" } } },
    { $set: { n: 1 } },
    { $append: { n: 2 } },
  );
  assert.deepEqual(await props(store), { pages: ["/home", { path: "/cart" }], n: 1 });
});

test("$union adds only the values not already present, comparing lists and objects by value", async () => {
  const store = open();
  await applyAll(
    store,
    { $union: { tags: ["a", "b", "a"] } },
    { $union: { tags: ["b", "c", { k: 1, j: 2 }] } },
    { $union: { tags: [{ j: 2, k: 1 }, "d"] } },
  );
  assert.deepEqual(await props(store), { tags: ["a", "b", "c", { k: 1, j: 2 }, "d"] });
});

test("$remove takes every equal value out of a list and is a no-op on an absent property", async () => {
  const store = open();
  await applyAll(
    store,
    { $set: { tags: ["a", [1], "b", "a"] } },
    { $remove: { tags: "a", missing: "x" } },
    {
      $remove: { tags: [1] },
    },
  );
  assert.deepEqual(await props(store), { tags: ["b"] });
});

test("$unset removes the named properties", async () => {
  const store = open();
  await applyAll(store, { $set: { a: 1, b: 2, c: 3 } }, { $unset: ["a", "c", "never"] });
  assert.deepEqual(await props(store), { b: 2 });
});

test("$delete removes the profile, and a later $set starts a fresh one", async () => {
  const store = open();
  await applyAll(store, { $set: { a: 1, b: 2 } }, { $delete: "" });
  assert.equal(await store.get(P, "u"), undefined);
  await applyAll(store, { $set: { c: 3 } });
  assert.deepEqual(await props(store), { c: 3 });
});

test("profiles carry $last_seen from updates without $ignore_time, never moving it back", async () => {
  const store = open();
  const at = (s: number) => new Date(T0 + s * 1000).toISOString().slice(0, 19);
  const send = (record: Record<string, unknown>, second: number) =>
    store.apply(P, update({ $ignore_time: false, ...record }, second), nextOffset++);
  await send({ $set: { a: 1 } }, 10);
  assert.deepEqual(await props(store), { a: 1, $last_seen: at(10) });
  await send({ $set: { b: 2 }, $ignore_time: true }, 20);
  assert.deepEqual(await props(store), { a: 1, $last_seen: at(10), b: 2 }, "$ignore_time leaves it");
  await send({ $set: { c: 3 } }, 5);
  assert.equal(((await props(store)) as Record<string, unknown>)["$last_seen"], at(10), "older update");
  await send({ $add: { n: 1 } }, 30);
  assert.equal(((await props(store)) as Record<string, unknown>)["$last_seen"], at(30));
});

test("an older $set arriving late changes none of the newer properties, while its other properties apply", async () => {
  const store = open();
  const newer = update({ $set: { plan: "pro" }, $time: (T0 + 5000) / 1000 });
  const older = update({ $set: { plan: "free", city: "Oslo" }, $time: (T0 + 1000) / 1000 });
  assert.equal(await store.apply(P, newer, 1), "applied");
  assert.equal(await store.apply(P, older, 2), "applied");
  assert.deepEqual(await props(store), { plan: "pro", city: "Oslo" });
  await store.apply(P, update({ $unset: ["plan"], $time: (T0 + 3000) / 1000 }), 3);
  assert.deepEqual(await props(store), { plan: "pro", city: "Oslo" }, "an older $unset is ignored too");
  await store.apply(P, update({ $set: { plan: "free" }, $time: (T0 + 2000) / 1000 }), 4);
  assert.deepEqual(await props(store), { plan: "pro", city: "Oslo" });
});

test("an $add older than the property's last $set is lost in that $set; a newer one still counts", async () => {
  const store = open();
  await store.apply(P, update({ $set: { visits: 10 }, $time: (T0 + 5000) / 1000 }), 1);
  await store.apply(P, update({ $add: { visits: 1 }, $time: (T0 + 3000) / 1000 }), 2);
  await store.apply(P, update({ $add: { visits: 1 }, $time: (T0 + 9000) / 1000 }), 3);
  await store.apply(P, update({ $add: { visits: 1 }, $time: (T0 + 7000) / 1000 }), 4);
  assert.deepEqual(await props(store), { visits: 12 });
});

test("updates older than a $delete are ignored, and properties written after it survive it", async () => {
  const store = open();
  await store.apply(P, update({ $set: { late: 1 }, $time: (T0 + 9000) / 1000 }), 1);
  await store.apply(P, update({ $set: { early: 1 }, $time: (T0 + 1000) / 1000 }), 2);
  await store.apply(P, update({ $delete: "", $time: (T0 + 5000) / 1000 }), 3);
  assert.deepEqual(await props(store), { late: 1 });
  const outcome = await store.apply(P, update({ $set: { early: 2 }, $time: (T0 + 4000) / 1000 }), 4);
  assert.equal(outcome, "older-than-delete");
  assert.deepEqual(await props(store), { late: 1 });
});

test("replaying a batch that was applied changes nothing, counters and lists included", async () => {
  const dir = tempDir();
  const store = open(dir);
  const batch: ProfileBatchItem[] = [
    { projectId: P, offset: 100, update: update({ $add: { visits: 1 } }, 0) },
    { projectId: P, offset: 101, update: update({ $append: { seen: "a" } }, 1) },
    { projectId: P, offset: 102, update: update({ $set: { v: 1 }, $distinct_id: "w" }, 2) },
    { projectId: P, offset: 103, update: update({ $add: { visits: 1 } }, 3) },
  ];
  assert.deepEqual(await store.applyMany(batch), ["applied", "applied", "applied", "applied"]);
  const before = [await store.get(P, "u"), await store.get(P, "w")];
  await store.close();
  const again = open(dir);
  assert.deepEqual(await again.applyMany(batch), ["replayed", "replayed", "replayed", "replayed"]);
  assert.deepEqual(await again.applyMany(batch.slice(2)), ["replayed", "replayed"]);
  assert.deepEqual([await again.get(P, "u"), await again.get(P, "w")], before);
  assert.deepEqual(await props(again), { visits: 2, seen: ["a"] });
  assert.equal(before[0]?.lastOffset, 103);
});

test("__proto__, constructor and prototype are property names like any other", async () => {
  const dir = tempDir();
  const store = open(dir);
  const record = JSON.parse(
    '{"$set":{"__proto__":{"polluted":true},"constructor":"c"},"$union":{"prototype":["p"]},"$add":{"toString":1}}',
  ) as Record<string, unknown>;
  await applyAll(store, record, JSON.parse('{"$set_once":{"__proto__":"no","hasOwnProperty":"h"}}'));
  await store.close();
  const profile = await open(dir).get(P, "u");
  assert.equal(
    profile?.propertiesJson,
    '{"__proto__":{"polluted":true},"constructor":"c","prototype":["p"],"toString":1,"hasOwnProperty":"h"}',
  );
  assert.equal(Object.getPrototypeOf(profile?.properties), null);
  const own = Object.getOwnPropertyDescriptor(profile!.properties, "__proto__");
  assert.deepEqual(own?.value, { polluted: true }, "an own property, not the prototype");
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  assert.equal(Object.hasOwn(Object.prototype, "polluted"), false);
});

test("values of every JSON kind round-trip exactly", async () => {
  const store = open();
  const values = {
    s: 'naïve ☃ 𝄞 \u0000 "quoted" \\ done',
    big: 1.7976931348623157e308,
    tiny: 5e-324,
    neg: -12.5,
    int: 9007199254740991,
    t: true,
    f: false,
    n: null,
    list: [1, "a", null, [2, [3]], { k: "v" }],
    obj: { nested: { deeper: { deepest: [] } }, "": "empty name" },
    empty: {},
  };
  await applyAll(store, { $set: values });
  assert.deepEqual(await props(store), values);
});

test("group profiles are keyed by group key and group id, apart from people", async () => {
  const store = open();
  const group = parseProfileUpdate({ $group_key: "company", $group_id: "u", $set: { seats: 5 } }, T0);
  assert.ok(group.ok);
  await store.apply(P, group.update, nextOffset++);
  await applyAll(store, { $set: { person: true } });
  assert.deepEqual((await store.getGroup(P, "company", "u"))?.properties["seats"], 5);
  assert.equal(await store.getGroup(P, "team", "u"), undefined);
  assert.deepEqual(await props(store), { person: true });
});

test("profiles of different projects are separate", async () => {
  const store = open();
  await store.apply(2, update({ $set: { p: 2 } }), 1);
  assert.equal(await store.get(P, "u"), undefined);
  assert.deepEqual((await store.get(2, "u"))?.properties["p"], 2);
});

test("folding one user's profile into another keeps the later-written value of each property", async () => {
  const store = open();
  const at = (id: string, second: number, record: Record<string, unknown>, offset: number) =>
    store.apply(P, update({ $distinct_id: id, $time: (T0 + second * 1000) / 1000, ...record }), offset);
  await at("anon", 1, { $set: { plan: "trial", utm: "ad", color: "red" } }, 1);
  await at("user", 2, { $set: { plan: "pro", email: "a@x" } }, 2);
  await at("anon", 3, { $set: { color: "blue" } }, 3);
  await at("user", 4, { $unset: ["utm"] }, 4);
  assert.equal(await store.mergeProfiles(P, "anon", "user", 5), true);
  assert.deepEqual(await props(store, "user"), { plan: "pro", email: "a@x", utm: "ad", color: "blue" });
  assert.equal(await store.get(P, "anon"), undefined);
  assert.equal((await store.get(P, "user"))?.lastOffset, 4);
  assert.equal(await store.mergeProfiles(P, "anon", "user", 5), false, "a second fold is a no-op");
  assert.equal(await store.mergeProfiles(P, "user", "user", 5), false);
  assert.equal(await store.mergeProfiles(P, "nobody", "user", 5), false);
  assert.equal(await store.mergeProfiles(P, "user", "fresh", 6), true, "folding into no profile moves it");
  assert.deepEqual(await props(store, "fresh"), { plan: "pro", email: "a@x", utm: "ad", color: "blue" });
});

test("a fold adds both people's $add totals and joins their $union lists, as one profile would have", async () => {
  const store = open();
  const at = (id: string, record: Record<string, unknown>, offset: number) =>
    store.apply(P, update({ $distinct_id: id, ...record }), offset);
  await at("anon", { $add: { n: 2 } }, 1);
  await at("anon", { $union: { tags: ["a", "b"] } }, 2);
  await at("user", { $add: { n: 3 } }, 3);
  await at("user", { $union: { tags: ["b", "c"] } }, 4);
  assert.equal(await store.mergeProfiles(P, "anon", "user", 5), true);
  await at("user", { $add: { n: 1 } }, 6);
  assert.deepEqual(await props(store, "user"), { n: 6, tags: ["b", "c", "a"] });
});

test("a fold leaves the kept profile's later updates alone when the other person's profile was deleted", async () => {
  const store = open();
  const at = (id: string, second: number, record: Record<string, unknown>, offset: number) =>
    store.apply(P, update({ $distinct_id: id, $time: (T0 + second * 1000) / 1000, ...record }), offset);
  await at("user", 100, { $set: { plan: "pro" } }, 1);
  await at("anon", 50, { $set: { x: 1 } }, 2);
  await at("anon", 200, { $delete: "" }, 3);
  await at("anon", 300, { $set: { y: 2 } }, 4);
  assert.equal(await store.mergeProfiles(P, "anon", "user", 5), true);
  // Written at 150: after the user's own last write, before the other person's $delete.
  assert.equal(await at("user", 150, { $set: { plan: "enterprise", seats: 5 } }, 6), "applied");
  assert.deepEqual(await props(store, "user"), { plan: "enterprise", y: 2, seats: 5 });
});

test("a fold replayed after the absorbed id got a profile of its own again leaves that profile alone", async () => {
  const store = open();
  await store.apply(P, update({ $distinct_id: "x", $set: { a: 1 } }), 1);
  await store.apply(P, update({ $distinct_id: "c", $set: { b: 2 } }), 2);
  // Offset 3: $identify folds x into c. Offset 4: an update with $ignore_alias gives x a profile again.
  assert.equal(await store.mergeProfiles(P, "x", "c", 3), true);
  await store.apply(P, update({ $distinct_id: "x", $set: { z: 9 }, $ignore_alias: true }), 4);
  // The processor crashed before committing offset 4 and replays from 3.
  assert.equal(await store.mergeProfiles(P, "x", "c", 3), false, "x's profile is newer than the event");
  assert.equal(
    await store.apply(P, update({ $distinct_id: "x", $set: { z: 9 }, $ignore_alias: true }), 4),
    "replayed",
  );
  assert.deepEqual(await props(store, "x"), { z: 9 });
  assert.deepEqual(await props(store, "c"), { a: 1, b: 2 });
});

test("a batch with an invalid offset is refused before anything is written", async () => {
  const store = open();
  await assert.rejects(
    store.applyMany([
      { projectId: P, offset: 1, update: update({ $set: { a: 1 } }) },
      { projectId: P, offset: -1, update: update({ $set: { a: 2 } }) },
    ]),
    RangeError,
  );
  assert.equal(await store.get(P, "u"), undefined);
});

test("a batch that fails part-way leaves no update of it applied", async () => {
  const store = open();
  const unwritable: ProfileUpdate = {
    ...update({ $distinct_id: "b", $set: {} }),
    operations: [{ op: "$set", entries: [["n", 1n as unknown as number]] }],
  };
  await assert.rejects(
    store.applyMany([
      { projectId: P, offset: 1, update: update({ $set: { a: 1 } }) },
      { projectId: P, offset: 2, update: unwritable },
    ]),
    TypeError,
  );
  assert.equal(await store.get(P, "u"), undefined);
  assert.equal(await store.apply(P, update({ $set: { a: 1 } }), 1), "applied", "offset 1 was not recorded");
});
