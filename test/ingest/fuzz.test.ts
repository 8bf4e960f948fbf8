// Seeded fuzzing of the decoder and the handler: random and mutated bodies must only ever produce
// the spec's replies, never a 500, a throw or a hang. The seed is fixed so a failure replays.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { cleanBatch } from "../../src/ingest/batch.js";
import { decodeBody } from "../../src/ingest/decode.js";
import { IngestError } from "../../src/ingest/ingest-error.js";
import { DEFAULT_LIMITS } from "../../src/ingest/limits.js";
import type { IngestRoute } from "../../src/ingest/metrics.js";
import { seededRandom } from "../seeded-random.js";
import {
  ALPHA,
  basicAuth,
  FakeProjects,
  importEvent,
  NOW,
  startServer,
  type TestServer,
  trackEvent,
} from "./harness.js";

const ROUTES: IngestRoute[] = ["track", "engage", "groups", "import"];
const TYPES = [
  "application/json",
  "application/x-www-form-urlencoded",
  "application/x-ndjson",
  "text/plain",
  undefined,
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1",
];
const NASTY = [
  '{"__proto__":{"x":1}}',
  "[".repeat(50_000),
  '{"event":"e","properties":' + "[".repeat(5000),
  "\u0000",
  "%",
  "data=%E0%A4%A",
  "=".repeat(9),
  "\uFEFF[{}]",
  '{"event":1e999}',
];

function seeds(): string[] {
  const update = { $token: ALPHA.token, $distinct_id: "u", $set: { a: { b: [1, "x"] } } };
  const events = [trackEvent("a", { n: 1, list: [1, { x: "y" }] }), importEvent("b", "i-1")];
  const json = JSON.stringify(events);
  return [
    json,
    JSON.stringify(update),
    "data=" + Buffer.from(json).toString("base64"),
    "data=" + encodeURIComponent(json) + "&verbose=1",
    events.map((e) => JSON.stringify(e)).join("\n"),
    "data=" + Buffer.from(JSON.stringify([update, update])).toString("base64url"),
  ];
}

function mutate(text: string, next: () => number): Buffer {
  const bytes = Buffer.from(text);
  const pick = Math.floor(next() * 6);
  const at = Math.floor(next() * bytes.length);
  if (pick === 0)
    return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + Math.floor(next() * 20))]);
  if (pick === 1) {
    const copy = Buffer.from(bytes);
    for (let i = 0; i < 1 + next() * 8; i++)
      copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
    return copy;
  }
  if (pick === 2) return bytes.subarray(0, at);
  if (pick === 3)
    return Buffer.concat([
      bytes.subarray(0, at),
      Buffer.from(NASTY[Math.floor(next() * NASTY.length)]),
      bytes.subarray(at),
    ]);
  if (pick === 4)
    return Buffer.from(Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256)));
  return Buffer.from(NASTY[Math.floor(next() * NASTY.length)]);
}

function choose<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)];
}

describe("decoder fuzzing", () => {
  test("random and mutated bodies only ever fail as request errors with a status, never as a throw", () => {
    const next = seededRandom(0x7a11);
    const projects = new FakeProjects();
    const bases = seeds();
    for (let round = 0; round < 1500; round++) {
      const route = choose(ROUTES, next);
      const body = mutate(choose(bases, next), next);
      try {
        const { records } = decodeBody(route, choose(TYPES, next), body, undefined, DEFAULT_LIMITS);
        const batch = cleanBatch(records, {
          kind: route === "engage" ? "engage" : route === "groups" ? "groups" : "event",
          importing: route === "import",
          nowMs: NOW,
          clientIp: next() < 0.5 ? "127.0.0.1" : undefined,
          projects,
          project: route === "import" ? ALPHA : undefined,
          limits: DEFAULT_LIMITS,
        });
        assert.equal(batch.payloads.length + batch.failures.length, records.length);
      } catch (error) {
        if (!(error instanceof IngestError))
          throw new Error(
            `round ${round}: ${String(error)} for ${JSON.stringify(body.toString("latin1").slice(0, 200))}`,
          );
        assert.ok([400, 413, 415].includes(error.status), `round ${round}: status ${error.status}`);
      }
    }
  });
});

describe("handler fuzzing", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test("random requests get the spec's replies: never a 500, and the server keeps answering", async () => {
    const next = seededRandom(0xbad5eed);
    const bases = seeds();
    const seen = new Set<number>();
    for (let round = 0; round < 250; round++) {
      const route = choose(ROUTES, next);
      let body = mutate(choose(bases, next), next);
      const headers: Record<string, string> = { Authorization: basicAuth(ALPHA.secret) };
      const type = choose(TYPES, next);
      if (type !== undefined) headers["Content-Type"] = type;
      if (next() < 0.2) {
        body = next() < 0.5 ? gzipSync(body) : body;
        headers["Content-Encoding"] = "gzip";
      }
      const query = choose(
        [
          "",
          "?verbose=1",
          "?ip=1&img=1",
          "?callback=cb",
          "?strict=0",
          `?data=${encodeURIComponent(body.toString("latin1").slice(0, 500))}`,
        ],
        next,
      );
      const method = next() < 0.8 ? "POST" : "GET";
      const reply = await server.send(`/${route}${query}`, {
        method,
        headers,
        body: method === "POST" ? body : undefined,
      });
      seen.add(reply.status);
      assert.ok([200, 400, 413, 415].includes(reply.status), `round ${round}: ${reply.status} ${reply.text}`);
    }
    assert.deepEqual(server.errors, []);
    assert.ok(seen.has(200) && seen.has(400), `statuses seen: ${[...seen].join(", ")}`);
    assert.equal(
      (
        await server.send(
          `/track?data=${Buffer.from(JSON.stringify(trackEvent("alive"))).toString("base64")}`,
        )
      ).text,
      "1",
    );
  });
});
