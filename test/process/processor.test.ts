import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { COMMIT_INTERVAL_MS, Processor } from "../../src/process/processor.js";
import { SqliteProfileStore } from "../../src/process/profile-sqlite-store.js";
import { SqliteAliasStore } from "../../src/process/sqlite-alias-store.js";
import type { Project, ProjectDirectory } from "../../src/projects/project.js";
import { type Envelope, encodeEnvelope } from "../../src/queue/envelope.js";
import { openLog } from "../../src/queue/log.js";
import { createLogger } from "../../src/server/log.js";
import { EventStore } from "../../src/store/event-store.js";
import type { StoredEvent } from "../../src/store/stored-event.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PROJECT: Project = { id: 1, name: "p", token: "t", secret: "s", timeZone: "UTC" };
const PROJECTS: ProjectDirectory = {
  byId: (id) => (id === 1 ? PROJECT : undefined),
  byToken: () => undefined,
  authenticate: () => undefined,
};
const T = Date.UTC(2024, 4, 14, 9) / 1000;

function event(name: string, properties: Record<string, unknown>, projectId = 1): Buffer {
  const envelope: Envelope = {
    kind: "event",
    projectId,
    receivedAt: 1,
    insertIdGenerated: false,
    record: { event: name, properties: { time: T, $insert_id: `i-${name}`, ...properties } as never },
  };
  return encodeEnvelope(envelope);
}

/** Runs a processor over `payloads` in batches of `batchRecords`; every stored row, in offset order. */
async function processAll(
  payloads: Buffer[],
  batchRecords: number,
): Promise<{ rows: StoredEvent[]; skips: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "tally-processor-"));
  dirs.push(dir);
  const queue = await openLog({ dir: join(dir, "queue"), fsync: false });
  await queue.append(payloads);
  const store = await EventStore.open(join(dir, "events"), { maintenanceIntervalMs: 0, sealRows: 7 });
  const aliases = new SqliteAliasStore(dir);
  const profiles = new SqliteProfileStore(dir);
  const skips: string[] = [];
  const log = createLogger(() => {});
  const deps = { queue, store, aliases, profiles, projects: PROJECTS, log, batchRecords };
  const processor = new Processor({ ...deps, onSkip: (reason) => skips.push(reason) });
  await processor.start();
  while (processor.processedThrough < payloads.length) await sleep(5);
  await processor.stop();
  await store.sealAll();
  const snapshot = store.partitions(1, "2024-05-14", "2024-05-14");
  const rows = snapshot.partitions.flatMap((p) =>
    p.batches.flatMap((b) => Array.from({ length: b.length }, (_, i) => b.row(i))),
  );
  snapshot.release();
  await store.close();
  await Promise.all([aliases.close(), profiles.close()]);
  await queue.close();
  return { rows: rows.sort((a, b) => a.offset - b.offset), skips };
}

test("the processor stores every event under its person, batch after batch, and skips what it cannot use", async () => {
  const payloads = [
    event("View", { distinct_id: "anon-1", page: "/" }),
    event("$identify", { distinct_id: "user-1", $anon_distinct_id: "anon-1" }),
    Buffer.from("not json"),
    event("Lost", { distinct_id: "x" }, 99),
    // Another layout of the same envelope (keys reordered): decoded the general way, stored as exactly.
    Buffer.from(
      `{"t":1,"p":1,"k":"event","d":{"event":"Buy","properties":{"time":${T},"$insert_id":"b","distinct_id":"anon-1","__proto__":{"a":1}}}}`,
    ),
  ];
  for (let i = 0; i < 20; i++) payloads.push(event(`E${i}`, { distinct_id: "anon-1", n: i }));
  for (const batchRecords of [1, 3, 1000]) {
    const { rows, skips } = await processAll(payloads, batchRecords);
    assert.deepEqual(skips.sort(), ["undecodable", "unknown_project"], `batches of ${batchRecords}`);
    assert.equal(rows.length, payloads.length - 2);
    const after = rows.filter((r) => r.offset > 1);
    assert.ok(after.every((r) => r.distinctId === "user-1" && r.originalDistinctId === "anon-1"));
    const buy = rows.find((r) => r.event === "Buy");
    assert.ok(buy !== undefined && Object.hasOwn(buy.properties, "__proto__"), "__proto__ stays data");
    assert.deepEqual(JSON.stringify(buy.properties), '{"__proto__":{"a":1}}');
    assert.deepEqual(
      rows.filter((r) => r.event.startsWith("E")).map((r) => r.properties.n),
      Array.from({ length: 20 }, (_, i) => i),
    );
  }
});

test("offsets are committed at most every interval while batches stream in, and stop() commits the last", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tally-processor-"));
  dirs.push(dir);
  const queue = await openLog({ dir: join(dir, "queue"), fsync: false });
  const payloads = Array.from({ length: 400 }, (_, i) => event(`E${i}`, { distinct_id: `u${i % 7}` }));
  await queue.append(payloads);
  const commits: number[] = [];
  const counting: typeof queue = Object.create(queue);
  counting.consumer = async (name) => {
    const consumer = await queue.consumer(name);
    const commit = consumer.commit.bind(consumer);
    return Object.assign(consumer, {
      commit: (offset: number) => {
        commits.push(offset);
        return commit(offset);
      },
    });
  };
  const store = await EventStore.open(join(dir, "events"), { maintenanceIntervalMs: 0 });
  const aliases = new SqliteAliasStore(dir);
  const profiles = new SqliteProfileStore(dir);
  const log = createLogger(() => {});
  const deps = { queue: counting, store, aliases, profiles, projects: PROJECTS, log, batchRecords: 2 };
  const processor = new Processor(deps);
  const started = Date.now();
  await processor.start();
  while (processor.processedThrough < payloads.length) await sleep(5);
  const elapsed = Date.now() - started;
  await processor.stop();
  assert.equal(commits.at(-1), payloads.length, "the last stored offset is committed on stop");
  assert.ok(
    commits.every((offset, i) => i === 0 || offset > commits[i - 1]),
    "commits only move forward",
  );
  // 200 batches: one commit per interval, the first at once, and the one on stop.
  assert.ok(
    commits.length <= Math.ceil(elapsed / COMMIT_INTERVAL_MS) + 2,
    `${commits.length} commits in ${elapsed} ms`,
  );
  const reopened = await queue.consumer("processor");
  assert.equal(reopened.committed, payloads.length);
  await reopened.close();
  await store.close();
  await Promise.all([aliases.close(), profiles.close()]);
  await queue.close();
});

test("an alias that already belongs to another user is refused and counted, and its event is still stored", async () => {
  const payloads = [
    event("$create_alias", { distinct_id: "user-1", alias: "shared" }),
    event("$create_alias", { distinct_id: "user-2", alias: "shared" }),
    event("View", { distinct_id: "shared" }),
  ];
  const { rows, skips } = await processAll(payloads, 1000);
  assert.deepEqual(skips, ["identity_alias-taken"]);
  assert.deepEqual(
    rows.map((r) => [r.event, r.distinctId]),
    [
      ["$create_alias", "user-1"],
      ["$create_alias", "user-2"],
      ["View", "user-1"],
    ],
  );
});

function profileUpdate(
  id: string,
  set: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Buffer {
  return encodeEnvelope({
    kind: "engage",
    projectId: 1,
    receivedAt: T * 1000,
    operation: "$set",
    record: { $distinct_id: id, $set: set, ...extra },
  });
}

/**
 * One processor run over the queue in `dir`, after appending `payloads`, to its end; the profiles of
 * `people` and every stored row's [sent id, stored id]. `crash`: its offset commits never happen.
 */
async function runProcessor(
  dir: string,
  payloads: Buffer[],
  options: { crash?: boolean; batchRecords?: number; people?: readonly string[] } = {},
) {
  const queue = await openLog({ dir: join(dir, "queue"), fsync: false });
  if (payloads.length > 0) await queue.append(payloads);
  const consumer = async (name: string) => {
    const c = await queue.consumer(name);
    if (options.crash) c.commit = async () => {};
    return c;
  };
  const store = await EventStore.open(join(dir, "events"), { maintenanceIntervalMs: 0 });
  const aliases = new SqliteAliasStore(dir);
  const profiles = new SqliteProfileStore(dir);
  const log = createLogger(() => {});
  const processor = new Processor({
    queue: { consumer },
    store,
    aliases,
    profiles,
    projects: PROJECTS,
    log,
    batchRecords: options.batchRecords,
  });
  await processor.start();
  while (processor.processedThrough < queue.stats().nextOffset) await sleep(5);
  await processor.stop();
  const people: Record<string, Record<string, unknown> | undefined> = {};
  for (const id of options.people ?? []) people[id] = (await profiles.get(1, id))?.properties;
  const snapshot = store.partitions(1, "2024-05-14", "2024-05-14");
  const rows = snapshot.partitions
    .flatMap((p) => p.batches.flatMap((b) => Array.from({ length: b.length }, (_, i) => b.row(i))))
    .sort((a, b) => a.offset - b.offset)
    .map((row) => [row.originalDistinctId ?? row.distinctId, row.distinctId]);
  snapshot.release();
  await store.close();
  await Promise.all([aliases.close(), profiles.close()]);
  await queue.close();
  return { people, rows };
}

function processorDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tally-processor-"));
  dirs.push(dir);
  return dir;
}

test("events and updates are resolved as they came, however the processor batches them", async () => {
  const records = () => [
    event("View", { distinct_id: "anon-1", $insert_id: "dup-1" }),
    profileUpdate("anon-1", { plan: "free" }),
    event("$identify", { distinct_id: "user-1", $anon_distinct_id: "anon-1" }),
    event("View", { distinct_id: "anon-1", $insert_id: "dup-1" }),
  ];
  const together = await runProcessor(processorDir(), records(), { people: ["anon-1", "user-1"] });
  const oneByOne = await runProcessor(processorDir(), records(), {
    batchRecords: 1,
    people: ["anon-1", "user-1"],
  });
  assert.deepEqual(together.rows, [
    ["anon-1", "anon-1"],
    ["user-1", "user-1"],
    ["anon-1", "user-1"],
  ]);
  assert.deepEqual(together.rows, oneByOne.rows);
  // The update was in anon-1's profile before the $identify folded it into user-1's.
  assert.equal(together.people["anon-1"], undefined);
  assert.equal(together.people["user-1"]?.plan, "free");
  assert.deepEqual(together.people, oneByOne.people);
});

test("replaying an $identify after a crash leaves alone the profile its anonymous id got afterwards", async () => {
  const dir = processorDir();
  const run = async (payloads: Buffer[], crash: boolean) =>
    (await runProcessor(dir, payloads, { crash, people: ["x", "c"] })).people;
  await run([profileUpdate("x", { a: 1 }), profileUpdate("c", { b: 2 })], false);
  const batch = [
    event("$identify", { distinct_id: "c", $anon_distinct_id: "x" }),
    profileUpdate("x", { z: 9 }, { $ignore_alias: true }),
  ];
  const first = await run(batch, true);
  const replayed = await run([], false);
  assert.deepEqual(replayed, first);
  assert.equal(replayed.x?.z, 9, "x's own profile, made after the $identify");
  assert.equal(replayed.x?.a, undefined);
  assert.equal(replayed.c?.a, 1);
  assert.equal(replayed.c?.z, undefined);
});

test("queries hear of a new link even when the batch that made it failed after it and came round again", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tally-processor-"));
  dirs.push(dir);
  const queue = await openLog({ dir: join(dir, "queue"), fsync: false });
  await queue.append([
    event("View", { distinct_id: "anon-1" }),
    event("$identify", { distinct_id: "user-1", $anon_distinct_id: "anon-1" }),
  ]);
  const store = await EventStore.open(join(dir, "events"), { maintenanceIntervalMs: 0 });
  const aliases = new SqliteAliasStore(dir);
  const profiles = new SqliteProfileStore(dir);
  const apply = profiles.applyMany.bind(profiles);
  let busy = true;
  profiles.applyMany = async (...args) => {
    if (busy) {
      busy = false;
      throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
    }
    return apply(...args);
  };
  const told: number[] = [];
  const log = createLogger(() => {});
  const processor = new Processor({
    queue,
    store,
    aliases,
    profiles,
    projects: PROJECTS,
    log,
    onIdentityChange: (projectId) => told.push(projectId),
  });
  await processor.start();
  while (processor.processedThrough < 2) await sleep(5);
  await processor.stop();
  await store.close();
  await Promise.all([aliases.close(), profiles.close()]);
  await queue.close();
  assert.equal(busy, false, "the profile step (the fold) failed once");
  assert.deepEqual(told, [1]);
});

test("replaying a $delete sent before an $identify leaves the person's profile alone", async () => {
  const dir = processorDir();
  await runProcessor(dir, [profileUpdate("x", { a: 1 }), profileUpdate("c", { b: 2 })]);
  const remove = encodeEnvelope({
    kind: "engage",
    projectId: 1,
    receivedAt: T * 1000,
    operation: "$delete",
    record: { $distinct_id: "x", $delete: "" },
  });
  const batch = [remove, event("$identify", { distinct_id: "c", $anon_distinct_id: "x" })];
  const first = await runProcessor(dir, batch, { crash: true, people: ["x", "c"] });
  // The replay resolves x to c already; the $delete must count as applied, not wipe c.
  const replayed = await runProcessor(dir, [], { people: ["x", "c"] });
  assert.equal(first.people.c?.b, 2);
  assert.deepEqual(replayed.people, first.people);
});
