// Crash safety of the whole server: clients stream events into `tally serve`, the process is killed
// with SIGKILL in the middle, restarted on the same data directory and stopped cleanly. The queue
// must then hold every acknowledged event exactly once and nothing that fails to decode.

import assert from "node:assert/strict";
import { Agent } from "node:http";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { EventEnvelope } from "../../src/queue/envelope.js";
import { base64Json, basicAuth, httpRequest, readQueue, tempDataDir } from "./helpers.js";
import { startServe } from "./tally-process.js";

const CLIENTS = 6;
const IMPORT_BATCH = 200;

interface Credentials {
  readonly token: string;
  readonly secret: string;
}

interface Traffic {
  /** Every $insert_id put in a request, answered or not. */
  readonly sent: Set<string>;
  /** The $insert_ids of requests the server acknowledged. */
  readonly acknowledged: Set<string>;
  /** Replies other than an acknowledgement, or errors, before the kill. */
  readonly surprises: string[];
}

function event(client: number, n: number, time?: number): Record<string, unknown> {
  const id = `c${client}-${n}`;
  const properties: Record<string, unknown> = { distinct_id: `user-${n % 97}`, $insert_id: id, client, n };
  if (time !== undefined) properties.time = time;
  return { event: client % 2 === 0 ? "Tracked" : "Imported", properties };
}

/**
 * One client: even ones send 1–5 events by GET /track, odd ones POST 200-event /import batches, one
 * request at a time on a kept-alive connection, until the server goes away.
 */
async function runClient(
  client: number,
  port: number,
  credentials: Credentials,
  traffic: Traffic,
  killed: () => boolean,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let n = 0;
  try {
    while (!killed()) {
      const importing = client % 2 === 1;
      const count = importing ? IMPORT_BATCH : 1 + (n % 5);
      const time = importing ? Date.now() / 1000 : undefined;
      const events = Array.from({ length: count }, () => event(client, n++, time));
      const ids = events.map((e) => (e.properties as { $insert_id: string }).$insert_id);
      for (const id of ids) traffic.sent.add(id);
      for (const e of events)
        if (!importing) (e.properties as Record<string, unknown>).token = credentials.token;
      let acknowledged: boolean;
      try {
        if (importing) {
          const reply = await httpRequest(port, "/import", {
            method: "POST",
            agent,
            headers: { "Content-Type": "application/json", Authorization: basicAuth(credentials.secret) },
            body: JSON.stringify(events),
          });
          acknowledged =
            reply.status === 200 &&
            (JSON.parse(reply.text) as { num_records_imported?: number }).num_records_imported === count;
          if (!acknowledged && !killed()) traffic.surprises.push(`/import ${reply.status} ${reply.text}`);
        } else {
          const data = encodeURIComponent(base64Json(events));
          const reply = await httpRequest(port, `/track?data=${data}`, { agent });
          acknowledged = reply.text === "1";
          if (!acknowledged && !killed()) traffic.surprises.push(`/track ${reply.status} ${reply.text}`);
        }
      } catch (error) {
        if (!killed()) traffic.surprises.push(`client ${client}: ${String(error)}`);
        return;
      }
      if (acknowledged) for (const id of ids) traffic.acknowledged.add(id);
    }
  } finally {
    agent.destroy();
  }
}

test("after a kill -9 mid-stream and a restart, every acknowledged event is in the queue exactly once and nothing is corrupt", async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await startServe(t, { args: ["--port", "0", "--data-dir", dataDir] });
  const token = /^\s*token:\s+(\S+)$/m.exec(first.stdout())?.[1];
  const secret = /^\s*API secret:\s+(\S+)$/m.exec(first.stdout())?.[1];
  assert.ok(token !== undefined && secret !== undefined);

  const traffic: Traffic = { sent: new Set(), acknowledged: new Set(), surprises: [] };
  let killed = false;
  const clients = Array.from({ length: CLIENTS }, (_, client) =>
    runClient(client, first.port, { token, secret }, traffic, () => killed),
  );
  await sleep(1000 + Math.random() * 800);
  killed = true;
  const exit = await first.kill();
  await Promise.all(clients);
  assert.equal(exit.signal, "SIGKILL");
  assert.deepEqual(traffic.surprises, [], "every request before the kill was acknowledged");
  assert.ok(traffic.acknowledged.size > 1000, `only ${traffic.acknowledged.size} events acknowledged`);

  // The restart recovers the log; it must take events again before it is stopped cleanly.
  const second = await startServe(t, { args: ["--port", "0", "--data-dir", dataDir] });
  const after = base64Json({ event: "After restart", properties: { token, $insert_id: "after-restart" } });
  assert.equal((await httpRequest(second.port, `/track?data=${encodeURIComponent(after)}`)).text, "1");
  assert.deepEqual(await second.stop(), { code: 0, signal: null });

  const { envelopes } = await readQueue(dataDir);
  const seen = new Set<string>();
  for (const envelope of envelopes) {
    assert.equal(envelope.kind, "event");
    const { event: name, properties } = (envelope as EventEnvelope).record;
    const id = properties.$insert_id;
    assert.ok(!seen.has(id), `${id} is in the queue once`);
    seen.add(id);
    if (id === "after-restart") continue;
    assert.ok(traffic.sent.has(id), `${id} was sent`);
    const [client, n] = id.slice(1).split("-").map(Number);
    assert.equal(properties.client, client, `${id} intact`);
    assert.equal(properties.n, n, `${id} intact`);
    assert.equal(name, client % 2 === 0 ? "Tracked" : "Imported");
  }
  const lost = [...traffic.acknowledged].filter((id) => !seen.has(id));
  assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged events are missing`);
  assert.ok(seen.has("after-restart"));
  t.diagnostic(
    `sent ${traffic.sent.size}, acknowledged ${traffic.acknowledged.size}, in the queue ${seen.size} ` +
      `(${seen.size - 1 - traffic.acknowledged.size} unacknowledged that made it); the restart ` +
      (second.stderr().includes("cut a damaged tail") ? "cut a torn tail" : "found no torn tail"),
  );
});
