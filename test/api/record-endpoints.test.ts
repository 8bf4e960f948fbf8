// export and stream/query over a real store: how they hold to their bounds.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setImmediate } from "node:timers/promises";
import { type RecordServices, recordEndpoints } from "../../src/api/record-endpoints.js";
import { AliasSnapshots } from "../../src/process/alias-snapshots.js";
import { SqliteProfileStore } from "../../src/process/profile-sqlite-store.js";
import { SqliteAliasStore } from "../../src/process/sqlite-alias-store.js";
import type { Project } from "../../src/projects/project.js";
import { EventStore } from "../../src/store/event-store.js";

const PROJECT: Project = { id: 1, name: "p", token: "t", secret: "s", timeZone: "UTC" };
/** 2024-01-15T00:00:00Z */
const DAY = 1705276800;

let dir: string;
let services: RecordServices;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tally-records-"));
  const store = await EventStore.open(join(dir, "events"), { maintenanceIntervalMs: 0 });
  const aliases = new SqliteAliasStore(dir);
  services = {
    store,
    aliases,
    aliasSnapshots: new AliasSnapshots(aliases),
    profiles: new SqliteProfileStore(dir),
  };
  // Three days, ten events a day by "bot".
  const events = Array.from({ length: 30 }, (_, i) => ({
    event: "Ping",
    distinctId: "bot",
    time: DAY + Math.floor(i / 10) * 86400 + i,
    insertId: `p${i}`,
    properties: { n: i },
    offset: i,
  }));
  await store.append(PROJECT.id, PROJECT.timeZone, events);
});
after(async () => {
  await services.store.close();
  await Promise.all([services.aliases.close(), services.profiles.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const RANGE = { from_date: "2024-01-15", to_date: "2024-01-17" };

test("stream/query refuses a range holding more events than it may return, naming from_date", async () => {
  const run = (maxStreamEvents: number) =>
    recordEndpoints({ ...services, limits: { maxStreamEvents } }).get("stream/query")!({
      project: PROJECT,
      params: new URLSearchParams({ ...RANGE, distinct_ids: '["bot"]' }),
      signal: new AbortController().signal,
    });
  await assert.rejects(run(29), { name: "QueryParamError", parameter: "from_date" });
  const reply = (await run(30)) as { body: { results: { events: unknown[] } } };
  assert.equal(reply.body.results.events.length, 30);
});

test("an export gives way between days, so an abort stops it, as a failure, even before it has written a line", async () => {
  const controller = new AbortController();
  const reply = (await recordEndpoints(services).get("export")!({
    project: PROJECT,
    params: new URLSearchParams(RANGE),
    signal: controller.signal,
  })) as { produce: (sink: { write(chunk: string): Promise<void> }) => Promise<void> };
  let lines = 0;
  const sink = {
    async write(chunk: string) {
      lines += chunk.split("\n").length - 1;
    },
  };
  // The query's timeout fires on a turn of the event loop: here, the first one after the export starts.
  const aborted = setImmediate().then(() => controller.abort(new Error("query timed out")));
  await assert.rejects(
    reply.produce(sink),
    { message: "query timed out" },
    "an export cut short fails, never ends whole",
  );
  await aborted;
  assert.equal(lines, 0);
  const whole = (await recordEndpoints(services).get("export")!({
    project: PROJECT,
    params: new URLSearchParams(RANGE),
    signal: new AbortController().signal,
  })) as typeof reply;
  await whole.produce(sink);
  assert.equal(lines, 30);
});
