// Bad input must cost nothing that lasts: thousands of malformed, oversized and unauthorised requests
// of every kind against the whole server, in process, round after round, and the heap after a full
// garbage collection stays where it was. The server answers a good request afterwards.

import assert from "node:assert/strict";
import { once } from "node:events";
import { Agent } from "node:http";
import { connect } from "node:net";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import type { Logger } from "../../src/server/log.js";
import { startTally } from "../../src/server/tally.js";
import { base64Json, basicAuth, httpRequest, tempDataDir } from "./helpers.js";

const ROUNDS = 5;
const CONCURRENCY = 12;
/** Growth of heap plus off-heap buffers allowed from the first measured round to the last. */
const MAX_GROWTH_BYTES = 4 * 1024 * 1024;

const QUIET: Logger = { info() {}, warn() {}, error() {} };

/** A full collection. node:test gives no --expose-gc, so the flag is set at run time instead. */
function collectGarbage(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function retainedBytes(gc: () => void): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
}

/**
 * Sends a request by hand, optionally followed by `streamBytes` of chunked body, and returns the
 * status of the answer (or what went wrong), then drops the connection.
 */
async function rawStatus(port: number, head: string, streamBytes = 0): Promise<number | string> {
  const socket = connect(port, "127.0.0.1");
  socket.setEncoding("latin1");
  let received = "";
  let status: number | undefined;
  const answer = new Promise<number | string>((resolve) => {
    socket.on("data", (chunk: string) => {
      received += chunk;
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match === null) return;
      status = Number(match[1]);
      resolve(status);
    });
    // A server that answers early closes the connection, so writes still under way fail after it.
    socket.on("error", (error) => resolve(status ?? `error ${error.message}`));
    socket.on("close", () => resolve(status ?? `closed with no answer: ${received}`));
  });
  socket.write(head);
  const chunk = `${(1 << 20).toString(16)}\r\n${"a".repeat(1 << 20)}\r\n`;
  for (let sent = 0; sent < streamBytes && status === undefined && !socket.destroyed; sent += 1 << 20) {
    if (!socket.write(chunk)) await Promise.race([once(socket, "drain").catch(() => {}), answer]);
  }
  const result = await answer;
  socket.destroy();
  return result;
}

interface BadRequest {
  readonly kind: string;
  /** How many of these in a round. */
  readonly count: number;
  send(port: number, agent: Agent): Promise<number | string>;
  /** The status (number) or body (string) it must get. */
  readonly expect: number | string;
}

function badRequests(token: string, secret: string): BadRequest[] {
  const get = (path: string) => (port: number, agent: Agent) =>
    httpRequest(port, path, { agent }).then((r) => (r.status === 200 ? r.text : r.status));
  const track = (value: unknown) => `/track?data=${encodeURIComponent(base64Json(value))}`;
  const tooMany = Array.from({ length: 2001 }, (_, i) => ({
    event: "e",
    properties: { token, distinct_id: `u${i}` },
  }));
  const tooManyBody = `data=${encodeURIComponent(base64Json(tooMany))}`;
  const bomb = gzipSync(Buffer.alloc(32 << 20));
  const deep = { a: { b: { c: { d: 1 } } } };
  return [
    { kind: "broken base64", count: 60, expect: 400, send: get("/track?data=%25%25not*base64*at%20all") },
    {
      kind: "broken JSON",
      count: 60,
      expect: 400,
      send: get(`/track?data=${Buffer.from('{"event": "x", "prop').toString("base64")}`),
    },
    {
      kind: "unknown token",
      count: 60,
      expect: "0",
      send: get(track({ event: "e", properties: { token: "no-such-token", distinct_id: "u" } })),
    },
    {
      kind: "bad $insert_id and nesting over 3",
      count: 40,
      expect: "0",
      send: get(
        track([
          { event: "e", properties: { token, $insert_id: "not valid!" } },
          { event: "e", properties: { token, deep } },
        ]),
      ),
    },
    {
      kind: "invalid JSONP callback",
      count: 40,
      expect: 400,
      send: get(`${track({ event: "e", properties: { token } })}&callback=alert(document.cookie)`),
    },
    {
      kind: "wrong /import secret",
      count: 40,
      expect: 401,
      send: (port, agent) =>
        httpRequest(port, "/import", {
          method: "POST",
          agent,
          headers: { "Content-Type": "application/json", Authorization: basicAuth(`${secret}x`) },
          body: "[]",
        }).then((r) => r.status),
    },
    {
      kind: "2,001 records",
      count: 30,
      expect: 413,
      send: (port, agent) =>
        httpRequest(port, "/track", {
          method: "POST",
          agent,
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: tooManyBody,
        }).then((r) => r.status),
    },
    {
      kind: "gzip bomb",
      count: 8,
      expect: 413,
      send: (port, agent) =>
        httpRequest(port, "/import", {
          method: "POST",
          agent,
          headers: {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            Authorization: basicAuth(secret),
          },
          body: bomb,
        }).then((r) => r.status),
    },
    {
      kind: "body over the limit by Content-Length",
      count: 40,
      expect: 413,
      send: (port) =>
        rawStatus(
          port,
          "POST /import HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
            `Authorization: ${basicAuth(secret)}\r\nContent-Length: 40000000\r\n\r\n[`,
        ),
    },
    {
      kind: "chunked body past the limit",
      count: 2,
      expect: 413,
      send: (port) =>
        rawStatus(
          port,
          "POST /track HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n",
          // Its last 1 MiB chunk passes the body limit (30 MiB + 64 KiB): the client is reading when
          // the 413 comes, not still writing into a connection the server has closed.
          31 << 20,
        ),
    },
  ];
}

/** Every bad request of a round, interleaved, CONCURRENCY at a time; returns what went wrong. */
async function sendRound(port: number, agent: Agent, requests: BadRequest[]): Promise<string[]> {
  const queue = requests.flatMap((r) => Array.from({ length: r.count }, (_, i) => ({ r, i })));
  queue.sort((a, b) => a.i - b.i);
  const wrong: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const { r } = queue[next++];
      const got = await r.send(port, agent).catch((error: unknown) => `error ${String(error)}`);
      if (got !== r.expect) wrong.push(`${r.kind}: expected ${r.expect}, got ${got}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return wrong;
}

test("thousands of bad requests of every kind leave the heap where it was, and a good request is still accepted", async (t) => {
  const dataDir = await tempDataDir(t);
  const tally = await startTally({ dataDir, host: "127.0.0.1", port: 0, logger: QUIET });
  t.after(() => tally.close());
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  t.after(() => agent.destroy());
  const { token, secret } = tally.createdProject!;
  const requests = badRequests(token, secret);
  const gc = collectGarbage();

  const retained: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    assert.deepEqual((await sendRound(tally.port, agent, requests)).slice(0, 5), [], `round ${round}`);
    retained.push(retainedBytes(gc));
  }
  const perRound = requests.reduce((sum, r) => sum + r.count, 0);
  const mb = retained.map((bytes) => (bytes / 2 ** 20).toFixed(1));
  t.diagnostic(`${ROUNDS} rounds of ${perRound} bad requests; MiB retained after each: ${mb.join(", ")}`);
  // Round 0 warms up code and caches; growth is measured from there.
  const growth = Math.max(...retained.slice(1)) - retained[0];
  assert.ok(growth < MAX_GROWTH_BYTES, `retained memory grew by ${growth} bytes: ${mb.join(", ")} MiB`);
  const connections = await new Promise<number>((resolve, reject) =>
    tally.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
  assert.ok(connections <= CONCURRENCY, `${connections} connections left open`);
  assert.equal(tally.queue.stats().records, 0, "no bad record reached the queue");

  const good = { event: "Good", properties: { token, distinct_id: "user-1" } };
  const reply = await httpRequest(tally.port, `/track?data=${encodeURIComponent(base64Json(good))}`);
  assert.equal(reply.text, "1");
  assert.equal(tally.queue.stats().records, 1);
});
