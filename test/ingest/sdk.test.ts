// The official `mixpanel` Node SDK pointed at Tally: what it sends must arrive intact, and it must
// read Tally's replies as success.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import Mixpanel from "mixpanel";
import { createIngestHandler, nodeRequest, nodeResponse } from "../../src/ingest/handler.js";
import type { Envelope, EventEnvelope } from "../../src/queue/envelope.js";
import { ALPHA, FakeProjects, FakeSink, NOW, startServer, type TestServer } from "./harness.js";

let server: TestServer;
let mixpanel: Mixpanel.Mixpanel;

before(async () => {
  server = await startServer({ now: () => Date.now() });
  // InitConfig's type lacks `port`, which the SDK reads all the same.
  const config = { host: "127.0.0.1", port: server.port, protocol: "http" };
  mixpanel = Mixpanel.init(ALPHA.token, config);
});
after(() => server.close());
beforeEach(() => server.sink.clear());

function settled(start: (done: (error: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())));
}

function eventEnvelopes(envelopes: Envelope[]): EventEnvelope[] {
  return envelopes.filter((e): e is EventEnvelope => e.kind === "event");
}

describe("the official mixpanel Node SDK", () => {
  test("track sends an event that arrives with every property", async () => {
    await settled((done) =>
      mixpanel.track("Played song", { distinct_id: "user-7", genre: "jazz+blues/soul", plays: 3 }, done),
    );
    const [envelope] = eventEnvelopes(server.sink.envelopes());
    assert.equal(envelope.projectId, ALPHA.id);
    const properties = envelope.record.properties;
    assert.equal(envelope.record.event, "Played song");
    assert.equal(properties.distinct_id, "user-7");
    assert.equal(properties.genre, "jazz+blues/soul");
    assert.equal(properties.plays, 3);
    assert.equal(properties.mp_lib, "node");
    assert.equal(properties.token, ALPHA.token);
  });

  test("track_batch sends a form POST whose events all arrive, times kept to the millisecond", async () => {
    const time = Date.now() - 60_000 + 0.5;
    const events = Array.from({ length: 60 }, (_, i) => ({
      event: `batch ${i}`,
      properties: { distinct_id: `u${i}`, time: new Date(Math.floor(time)), note: "a+b=c/d" },
    }));
    await settled((done) => mixpanel.track_batch(events, (errors) => done(errors?.[0])));
    const arrived = eventEnvelopes(server.sink.envelopes());
    assert.equal(arrived.length, 60);
    assert.deepEqual(arrived.map((e) => e.record.event).sort(), events.map((e) => e.event).sort());
    for (const envelope of arrived) {
      assert.equal(envelope.record.properties.time, Math.floor(time) / 1000);
      assert.equal(envelope.record.properties.note, "a+b=c/d");
    }
  });

  test("people.set sends a profile update that arrives intact", async () => {
    await settled((done) =>
      mixpanel.people.set("user-7", { $first_name: "Ada", plan: "pro" }, { $ignore_time: true }, done),
    );
    const [envelope] = server.sink.envelopes();
    assert.equal(envelope.kind, "engage");
    assert.ok(envelope.kind === "engage");
    assert.equal(envelope.operation, "$set");
    assert.deepEqual(envelope.record, {
      $token: ALPHA.token,
      $distinct_id: "user-7",
      $set: { $first_name: "Ada", plan: "pro" },
      $ignore_time: true,
    });
  });

  test("people.increment, union and delete_user arrive as their operations", async () => {
    await settled((done) => mixpanel.people.increment("user-7", { visits: 2 }, done));
    await settled((done) => mixpanel.people.union("user-7", { tags: ["a", "b"] }, done));
    await settled((done) => mixpanel.people.delete_user("user-7", done));
    const operations = server.sink.envelopes().map((e) => (e.kind === "engage" ? e.operation : e.kind));
    assert.deepEqual(operations, ["$add", "$union", "$delete"]);
  });

  test("alias sends $create_alias with both ids", async () => {
    await settled((done) => mixpanel.alias("user-7", "user-7@example.com", done));
    const [envelope] = eventEnvelopes(server.sink.envelopes());
    assert.equal(envelope.record.event, "$create_alias");
    assert.equal(envelope.record.properties.distinct_id, "user-7");
    assert.equal(envelope.record.properties.alias, "user-7@example.com");
  });

  test("groups.set sends a group update", async () => {
    await settled((done) => mixpanel.groups.set("company", "acme", { size: 12 }, done));
    const [envelope] = server.sink.envelopes();
    assert.ok(envelope.kind === "groups");
    assert.equal(envelope.record.$group_id, "acme");
    assert.deepEqual(envelope.record.$set, { size: 12 });
  });

  test("import_batch with the API secret (HTTPS only, in a child process that trusts a test CA) arrives intact", async () => {
    const sink = new FakeSink();
    const handle = createIngestHandler({ projects: new FakeProjects(), sink, now: () => NOW });
    const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
    const https = createServer(
      { key: readFileSync(fixture("localhost-key.pem")), cert: readFileSync(fixture("localhost-cert.pem")) },
      (req, res) => {
        if (!handle(nodeRequest(req), nodeResponse(res))) res.writeHead(404).end();
      },
    );
    await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
    try {
      const events = Array.from({ length: 3 }, (_, i) => ({
        event: `imported ${i}`,
        properties: { distinct_id: "old-user", time: Date.UTC(2020, 5, 1, 0, 0, i), $insert_id: `imp-${i}` },
      }));
      const output = await importInChild(
        (https.address() as AddressInfo).port,
        fixture("localhost-cert.pem"),
        events,
      );
      assert.equal(output, "null", "the SDK reported no errors");
      const arrived = eventEnvelopes(sink.envelopes());
      assert.deepEqual(
        arrived.map((e) => [
          e.record.event,
          e.record.properties.time,
          e.record.properties.$insert_id,
          e.insertIdGenerated,
        ]),
        events.map((e) => [e.event, e.properties.time / 1000, e.properties.$insert_id, false]),
      );
    } finally {
      https.closeAllConnections();
      await new Promise((resolve) => https.close(resolve));
    }
  });
});

/** Runs import_batch in a child process, where NODE_EXTRA_CA_CERTS makes the SDK trust the test certificate. */
function importInChild(port: number, certPath: string, events: unknown[]): Promise<string> {
  const script = `
    const Mixpanel = require("mixpanel");
    const [port, token, secret, events] = process.argv.slice(1);
    const mixpanel = Mixpanel.init(token, { host: "127.0.0.1", port: Number(port), protocol: "https", secret });
    mixpanel.import_batch(JSON.parse(events), (errors) => {
      process.stdout.write(JSON.stringify(errors ? errors.map((e) => e.message) : null));
      process.exit(0);
    });`;
  const cwd = fileURLToPath(new URL("../..", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-e", script, String(port), ALPHA.token, ALPHA.secret, JSON.stringify(events)],
      { cwd, env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath }, timeout: 10_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}
