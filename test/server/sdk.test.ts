// The official `mixpanel` Node SDK against the whole server, in process: once the SDK's callbacks
// report success the server is stopped, and every record is read back out of the queue's files.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { type TestContext, test } from "node:test";
import Mixpanel from "mixpanel";
import type { Project } from "../../src/projects/project.js";
import type { Envelope, EventEnvelope } from "../../src/queue/envelope.js";
import type { Logger } from "../../src/server/log.js";
import { startTally } from "../../src/server/tally.js";
import { readQueue, tempDataDir } from "./helpers.js";

const SDK_VERSION = (createRequire(import.meta.url)("mixpanel/package.json") as { version: string }).version;

const QUIET: Logger = { info() {}, warn() {}, error() {} };

interface Delivered {
  readonly project: Project;
  readonly envelopes: Envelope[];
}

/** Runs `send` with an SDK pointed at a fresh server, stops the server, and reads its queue. */
async function deliver(
  t: TestContext,
  send: (mixpanel: Mixpanel.Mixpanel, sdkFor: (token: string) => Mixpanel.Mixpanel) => Promise<void>,
  config: { verbose?: boolean } = {},
): Promise<Delivered> {
  const dataDir = await tempDataDir(t);
  const tally = await startTally({ dataDir, host: "127.0.0.1", port: 0, logger: QUIET });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await tally.close();
  };
  t.after(close);
  const project = tally.createdProject!;
  // InitConfig's type lacks `port`, which the SDK reads all the same.
  const sdkFor = (token: string) =>
    Mixpanel.init(token, {
      host: "127.0.0.1",
      port: tally.port,
      protocol: "http",
      ...config,
    } as Partial<Mixpanel.InitConfig>);
  await send(sdkFor(project.token), sdkFor);
  await close();
  const { envelopes } = await readQueue(dataDir);
  return { project, envelopes };
}

function settled(start: (done: (error: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())));
}

function onlyEvent(envelopes: Envelope[]): EventEnvelope {
  assert.equal(envelopes.length, 1, "exactly one record in the queue");
  const [envelope] = envelopes;
  assert.equal(envelope.kind, "event");
  return envelope as EventEnvelope;
}

test("track puts one event in the queue with every property exactly as the SDK sent it", async (t) => {
  const time = Math.floor(Date.now() / 1000) - 60;
  // JSON.parse makes __proto__ an own key, as it is on the wire.
  const properties = JSON.parse(
    JSON.stringify({
      distinct_id: "user-7",
      time,
      $insert_id: "track-0001",
      genre: "jazz+blues/soul & more=yes",
      unicode: "naïve — 東京 🎉",
      plays: 3,
      price: 9.99,
      paid: true,
      none: null,
      tags: ["a", "b", 3],
      nested: { level: { deep: 1 } },
    }).replace(/^\{/, '{"__proto__":{"polluted":true},"constructor":"data",'),
  ) as Record<string, unknown>;
  const { project, envelopes } = await deliver(t, (mixpanel) =>
    settled((done) => mixpanel.track("Played song", { ...properties }, done)),
  );
  const envelope = onlyEvent(envelopes);
  assert.equal(envelope.projectId, project.id);
  assert.equal(envelope.insertIdGenerated, false);
  assert.equal(envelope.record.event, "Played song");
  assert.deepEqual(envelope.record.properties, {
    ...properties,
    token: project.token,
    mp_lib: "node",
    $lib_version: SDK_VERSION,
  });
  assert.equal(Object.getPrototypeOf(envelope.record.properties), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("track_batch puts every event of its form POSTs in the queue once, each as sent", async (t) => {
  const start = Date.now() - 3_600_000;
  const events = Array.from({ length: 120 }, (_, i) => ({
    event: i % 2 === 0 ? "Viewed page" : "Clicked",
    properties: {
      distinct_id: `user-${i % 7}`,
      time: new Date(start + i * 1001),
      $insert_id: `batch-${String(i).padStart(4, "0")}`,
      index: i,
      url: `https://example.com/p?i=${i}&x=a+b`,
    },
  }));
  const { project, envelopes } = await deliver(t, (mixpanel) =>
    // The SDK sends 50 events a request: three POSTs here.
    settled((done) => mixpanel.track_batch(structuredClone(events), (errors) => done(errors?.[0]))),
  );
  assert.equal(envelopes.length, events.length);
  const byInsertId = new Map<string, EventEnvelope>();
  for (const envelope of envelopes) {
    assert.equal(envelope.kind, "event");
    const event = envelope as EventEnvelope;
    assert.equal(byInsertId.has(event.record.properties.$insert_id), false, "each event once");
    byInsertId.set(event.record.properties.$insert_id, event);
  }
  for (const sent of events) {
    const arrived = byInsertId.get(sent.properties.$insert_id);
    assert.ok(arrived !== undefined, `${sent.properties.$insert_id} arrived`);
    assert.equal(arrived.projectId, project.id);
    assert.deepEqual(arrived.record, {
      event: sent.event,
      properties: { ...sent.properties, time: sent.properties.time.getTime() / 1000, token: project.token },
    });
  }
});

test("people.set puts a $set profile update in the queue with its properties and modifiers", async (t) => {
  const { project, envelopes } = await deliver(t, async (mixpanel) => {
    await settled((done) =>
      mixpanel.people.set(
        "user-7",
        { $first_name: "Ada", plan: "pro", seats: 5, tags: ["x"] },
        { $ignore_time: true, $ip: "203.0.113.9" },
        done,
      ),
    );
    await settled((done) => mixpanel.people.set("user-8", "plan", "free", done));
  });
  assert.equal(envelopes.length, 2);
  const [first, second] = envelopes;
  assert.ok(first.kind === "engage" && second.kind === "engage");
  assert.equal(first.projectId, project.id);
  assert.equal(first.operation, "$set");
  assert.deepEqual(first.record, {
    $token: project.token,
    $distinct_id: "user-7",
    $set: { $first_name: "Ada", plan: "pro", seats: 5, tags: ["x"] },
    $ignore_time: true,
    $ip: "203.0.113.9",
  });
  assert.equal(second.operation, "$set");
  assert.deepEqual(second.record, { $token: project.token, $distinct_id: "user-8", $set: { plan: "free" } });
});

test("alias puts a $create_alias event in the queue that links both ids", async (t) => {
  const { project, envelopes } = await deliver(t, (mixpanel) =>
    settled((done) => mixpanel.alias("user-7", "ada@example.com", done)),
  );
  const envelope = onlyEvent(envelopes);
  assert.equal(envelope.projectId, project.id);
  assert.equal(envelope.record.event, "$create_alias");
  const { time, $insert_id, ...rest } = envelope.record.properties;
  assert.deepEqual(rest, {
    distinct_id: "user-7",
    alias: "ada@example.com",
    token: project.token,
    mp_lib: "node",
    $lib_version: SDK_VERSION,
  });
  assert.ok(Math.abs(time - Date.now() / 1000) < 60, "time set to the arrival time");
  assert.equal(envelope.insertIdGenerated, true);
  assert.match($insert_id, /^[A-Za-z0-9-]{1,36}$/);
});

test("in verbose mode the SDK reads Tally's JSON reply as success, and a refused event as an error", async (t) => {
  let refusal: unknown;
  const { envelopes } = await deliver(
    t,
    async (mixpanel, sdkFor) => {
      await settled((done) => mixpanel.track("Verbose", { distinct_id: "user-9" }, done));
      await settled((done) =>
        sdkFor("no-such-token").track("Bad token", { distinct_id: "user-9" }, (error) => {
          refusal = error;
          done(undefined);
        }),
      );
    },
    { verbose: true },
  );
  assert.equal(onlyEvent(envelopes).record.event, "Verbose");
  assert.ok(refusal instanceof Error);
  assert.match(refusal.message, /properties\.token: no project has this token/);
});
