// The ingestion handler alone, in this process, without a network or a disk: /track with one
// mixpanel-browser event by GET and by form POST, through request objects shaped like the HTTP
// lane's, into a sink that takes records at once. It isolates the CPU ingestion itself spends on a
// request (parameters, base64, the event scan, cleaning, the envelope, the reply's headers), which
// the HTTP benchmark can only show mixed with the kernel's and the client's share. The baseline
// does the least any handler must: JSON.parse and JSON.stringify of the same event, in the same
// loop. Prints µs per request (median of rounds) and the ratio to the baseline.

import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { TallyMetrics } from "../src/api/metrics.js";
import { createIngestHandler, type IngestRequest, type IngestResponse } from "../src/ingest/handler.js";
import { ProjectRegistry } from "../src/projects/registry.js";
import { browserEvent } from "./browser-event.js";

const REQUESTS = 200_000;
const ROUNDS = 7;
/** Requests started before the loop yields a turn, as a busy server takes a few per turn. */
const PER_TURN = 50;

/** One request and its reply, as the HTTP lane hands them over; it counts what was answered. */
class Exchange implements IngestRequest, IngestResponse {
  readonly complete = true;
  readonly remoteAddress = "127.0.0.1";
  reply: string | Buffer | undefined;

  constructor(
    readonly method: "GET" | "POST",
    readonly url: string,
    readonly headers: IncomingHttpHeaders,
    readonly wholeBody: Buffer | undefined,
  ) {}

  get finished(): boolean {
    return this.reply !== undefined;
  }

  body(): Promise<Buffer> {
    return Promise.resolve(this.wholeBody ?? Buffer.alloc(0));
  }

  discardBody(): void {}

  send(_status: number, _headers: OutgoingHttpHeaders, body: string | Buffer): void {
    this.reply = body;
  }

  destroy(): void {}
}

/** µs per request of `one(i)`, run REQUESTS times, yielding a turn every PER_TURN: median of rounds. */
async function measure(one: (i: number) => void, settled: () => Promise<void>): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i += PER_TURN) {
      for (let j = 0; j < PER_TURN; j++) one(i + j);
      await nextTurn();
    }
    await settled();
    rounds.push(((performance.now() - started) * 1000) / REQUESTS);
  }
  rounds.sort((a, b) => a - b);
  return rounds[rounds.length >> 1];
}

const dir = await mkdtemp(join(tmpdir(), "tally-handler-bench-"));
const registry = new ProjectRegistry(dir);
try {
  const project = registry.add({ name: "Bench" });
  const metrics = new TallyMetrics({ defaultMetrics: false });
  let answered = 0;
  let accepted = 0;
  const ingest = createIngestHandler({
    projects: registry,
    sink: {
      append(payloads) {
        accepted += payloads.length;
        return Promise.resolve();
      },
    },
    onMetric: (m) => metrics.countIngest(m),
  });
  const eventJson = JSON.stringify(browserEvent(project.token, "a1b2c3d4e5f60718"));
  const data = encodeURIComponent(Buffer.from(eventJson).toString("base64"));
  const form = Buffer.from(`data=${data}`);
  const formHeaders = {
    host: "127.0.0.1",
    "content-type": "application/x-www-form-urlencoded",
    "content-length": String(form.length),
  };
  const pending: Exchange[] = [];
  const serve = (exchange: Exchange) => {
    pending.push(exchange);
    ingest(exchange, exchange);
  };
  // Every request must have been answered `1`: a benchmark of refusals would measure nothing.
  const settled = async () => {
    while (pending.some((exchange) => exchange.reply === undefined)) await nextTurn();
    for (const exchange of pending) if (exchange.reply !== "1") throw new Error(`answered ${exchange.reply}`);
    answered += pending.length;
    pending.length = 0;
  };
  const rows: [string, number][] = [];
  const baseline = await measure(() => {
    const event = JSON.parse(eventJson) as { properties: Record<string, unknown> };
    event.properties.time = 1;
    if (JSON.stringify(event).length === 0) throw new Error("unreachable");
  }, settled);
  rows.push(["baseline: JSON.parse + JSON.stringify of the event", baseline]);
  rows.push([
    "/track GET, 1 base64 event",
    await measure(
      () => serve(new Exchange("GET", `/track?data=${data}`, { host: "127.0.0.1" }, undefined)),
      settled,
    ),
  ]);
  rows.push([
    "/track form POST, 1 base64 event",
    await measure(() => serve(new Exchange("POST", "/track", formHeaders, form)), settled),
  ]);
  console.log(
    `ingest handler alone: ${REQUESTS.toLocaleString("en-US")} requests a round, median of ${ROUNDS}`,
  );
  console.log("\n| row | µs/request | × baseline |\n| --- | ---: | ---: |");
  for (const [name, micros] of rows)
    console.log(`| ${name} | ${micros.toFixed(2)} | ${(micros / baseline).toFixed(2)}× |`);
  if (accepted !== answered)
    throw new Error(`${answered} requests answered but ${accepted} records accepted`);
} finally {
  registry.close();
  await rm(dir, { recursive: true, force: true });
}
