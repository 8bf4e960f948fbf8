// The ingestion server over HTTP on 127.0.0.1, fsync on, driven by autocannon: a bare node:http
// server that answers `1` (the baseline) and the same server spending 10 µs of CPU a request (a
// calibration: what fixed extra work costs here), then Tally's /track with one base64 event by GET and by
// form POST, and /import with 2,000-event JSON batches. Prints requests/s, p50 / p99 latency, the
// ratio to the baseline, events/s, the fsyncs per second the group commit needed and how busy the
// server's thread was. Every acknowledged record must be in the queue, or the benchmark fails.
//
// Tally runs in this process through startTally, exactly as `tally serve` runs it, so the server's
// thread can be measured (event-loop utilisation) and profiled (`node --cpu-prof`); autocannon runs
// in a worker thread, so server and load generator each have one of the two cores. Two more rows run
// the ingestion stage alone (handler + queue log, no back thread), to show what the rest of the
// process costs ingestion; a last one the bare server appending a fixed 450-byte record to the queue
// before it answers (no ingestion work at all): the floor durability alone sets. Two rows split the
// cost further: Tally's HTTP lane answering `1` with nothing behind it (its transport against
// node:http's), and the ingestion stage with a sink that keeps nothing (ingestion without the disk).
// "server CPU µs/request" is the server thread's own CPU time per request, from /proc; "server
// waiting for a core" the share of the row that thread was ready to run but had no core (its
// schedstat run delay: what the other threads and processes took from it); "other threads' CPU"
// the rest of the process's CPU, in cores: on a bare row that is autocannon's, and near 100 % it
// says the load generator limits the baseline as much as the server does. A second table splits
// the serving thread's time a request (1 / rate: one thread serves them all) into its CPU, its wait
// for a core, and the rest (blocked in durable writes, or idle), against the time the /track goal
// allows it.
//
// INGEST_BENCH_LOAD=main runs autocannon on the server's thread instead; INGEST_BENCH_SECONDS
// changes the measured time of each row (default 10, after a 2 s warm-up); INGEST_BENCH_ROWS=a,b
// runs only the rows whose names contain one of the words (the baseline always runs), for profiling;
// INGEST_BENCH_ROUNDS=3 runs everything three times over, each round against its own baseline (the
// machine's speed drifts between minutes), and ends with the median of each row's in-round ratio.
// INGEST_BENCH_IMPORT_THREADS sets the threads that clean large /import bodies (0: none, all on the
// server's thread; default as `tally serve`). INGEST_BENCH_PAIRED=8 measures the /track goal in
// slices instead of rows: see runPaired; with INGEST_BENCH_PAIRED_STAGE=1 the ingest stage alone
// takes its own slices beside the whole server, to show what the back thread costs.

import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FastLaneServer } from "../src/api/http1/fast-lane.js";
import { TallyMetrics } from "../src/api/metrics.js";
import { createTallyServer } from "../src/api/server.js";
import { createIngestHandler, type IngestSink } from "../src/ingest/handler.js";
import { ImportThreads } from "../src/ingest/import-threads.js";
import type { Project } from "../src/projects/project.js";
import { ProjectRegistry } from "../src/projects/registry.js";
import { openLog } from "../src/queue/log.js";
import type { QueueStats } from "../src/queue/queue.js";
import { startTally } from "../src/server/tally.js";
import { browserEvent } from "./browser-event.js";

const SECONDS = Number(process.env.INGEST_BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const CONNECTIONS = Number(process.env.INGEST_BENCH_CONNECTIONS ?? 50);
/** Import tools send a few large batches at once, not fifty. */
const IMPORT_CONNECTIONS = 8;
const IMPORT_BATCH = 2000;
const LOAD_IN_WORKER = process.env.INGEST_BENCH_LOAD !== "main";
/** The calibration row's extra CPU per request: about what ingestion's own code costs. */
const CALIBRATION_MICROS = 10;
const ROW_FILTER = process.env.INGEST_BENCH_ROWS?.split(",").filter((word) => word !== "");
/** Threads that clean large /import bodies; 0: none (all on the server's thread). */
const IMPORT_THREADS =
  process.env.INGEST_BENCH_IMPORT_THREADS === undefined
    ? undefined
    : Number(process.env.INGEST_BENCH_IMPORT_THREADS);
/** Rounds of all rows, each with its own baseline: the summary gives medians of in-round ratios. */
const ROUNDS = Number(process.env.INGEST_BENCH_ROUNDS ?? 1);
/** Pairs of slices in the paired measurement (runPaired); 0: the rows instead. */
const PAIRED = Number(process.env.INGEST_BENCH_PAIRED ?? 0);
const SLICE_SECONDS = Number(process.env.INGEST_BENCH_SLICE_SECONDS ?? 3);
const PAIRED_STAGE = process.env.INGEST_BENCH_PAIRED_STAGE === "1";
/** Issue 3's goal: /track at this share of the bare server's requests/s or more. */
const GOAL_RATIO = 0.6;

// autocannon ships no types: the part of its API used here.
interface LoadOptions {
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly connections: number;
  readonly duration: number;
  readonly expectBody?: string;
  readonly workers?: number;
}
interface LoadResult {
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly mismatches: number;
  readonly non2xx: number;
  readonly "2xx": number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  options: LoadOptions,
) => Promise<LoadResult>;

type Shape = "track-get" | "track-form" | "import";

interface Scenario {
  readonly path: string;
  readonly method: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly connections: number;
  /** Records each request carries. */
  readonly records: number;
}

/** A server under test: where it listens, its queue's counters, and its one project. */
interface Target {
  readonly port: number;
  readonly project: Project;
  stats(): QueueStats;
  /** Records durable in the queue but not yet in the event store; undefined with no processor. */
  unprocessed?(): number;
  close(): Promise<void>;
}

interface Measured {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly eventsPerSecond: number;
  /** Share of the run the server's event loop was busy (1 = the server thread is the bottleneck). */
  readonly serverBusy: number;
  /** CPU the server's thread spent per request, in µs (Linux; NaN elsewhere). */
  readonly cpuMicros: number;
  /**
   * Share of the row the server's thread was ready to run but waited for a core (Linux's
   * schedstat run delay; NaN elsewhere): what the other threads and processes took from it.
   */
  readonly serverWaiting: number;
  /**
   * CPU of the process's other threads, in cores: autocannon's above all, then Tally's back thread
   * and thread pools. Near 1 on a bare row, the load generator is as much the limit as the server.
   */
  readonly otherThreads: number;
  readonly fsync?: { readonly perSecond: number; readonly recordsEach: number; readonly meanMs: number };
  /** How far the processor was behind when the load stopped, and how long it took to catch up. */
  readonly backlog?: { readonly records: number; readonly drainSeconds: number };
}

function scenario(shape: Shape, project: Project): Scenario {
  const one = Buffer.from(JSON.stringify(browserEvent(project.token, "a1b2c3d4e5f60718"))).toString("base64");
  switch (shape) {
    case "track-get":
      return {
        path: `/track?data=${encodeURIComponent(one)}`,
        method: "GET",
        connections: CONNECTIONS,
        records: 1,
      };
    case "track-form":
      return {
        path: "/track",
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `data=${encodeURIComponent(one)}`,
        connections: CONNECTIONS,
        records: 1,
      };
    case "import":
      return {
        path: "/import",
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: "Basic " + Buffer.from(`${project.secret}:`).toString("base64"),
        },
        body: JSON.stringify(
          Array.from({ length: IMPORT_BATCH }, (_, i) => browserEvent(project.token, `imp-${i}`)),
        ),
        connections: IMPORT_CONNECTIONS,
        records: IMPORT_BATCH,
      };
  }
}

/** The whole server, as `tally serve` starts it. */
async function startWholeServer(dataDir: string): Promise<Target> {
  const tally = await startTally({ dataDir, host: "127.0.0.1", port: 0, importThreads: IMPORT_THREADS });
  return {
    port: tally.port,
    project: tally.createdProject!,
    stats: () => tally.queue.stats(),
    unprocessed: () => tally.queue.stats().nextOffset - tally.processed.committed(),
    close: () => tally.close(),
  };
}

/**
 * Only the ingestion stage: projects, the queue log and the ingest handler behind Tally's HTTP
 * server. Not `durable`: the handler's sink takes records at once and keeps none (the log is opened
 * for its counters only), to show what ingestion costs without the disk.
 */
async function startIngestStage(dataDir: string, durable = true): Promise<Target> {
  const registry = new ProjectRegistry(dataDir);
  const project = registry.add({ name: "Bench" });
  const queue = await openLog({ dir: join(dataDir, "queue") });
  let taken = 0;
  const sink: IngestSink = durable
    ? queue
    : {
        append(payloads) {
          taken += payloads.length;
          return Promise.resolve();
        },
      };
  const stats = (): QueueStats => (durable ? queue.stats() : { ...queue.stats(), records: taken });
  const metrics = new TallyMetrics();
  metrics.watchQueue(stats);
  const importThreads = IMPORT_THREADS === 0 ? undefined : new ImportThreads({ size: IMPORT_THREADS });
  const ingest = createIngestHandler({
    projects: registry,
    sink,
    importThreads,
    // Counted as startTally counts them, so the rows differ only by what else runs.
    onMetric: (m) => metrics.countIngest(m),
  });
  const server = createTallyServer({ metrics, ingest, ready: () => true });
  const port = await listen(server);
  return {
    port,
    project,
    stats,
    async close() {
      await closeServer(server);
      await importThreads?.close();
      await queue.close();
      registry.close();
    },
  };
}

/** The bare server, but each reply waits for a fixed record to be durable in the queue. */
async function startQueueAlone(dataDir: string): Promise<Target> {
  const queue = await openLog({ dir: join(dataDir, "queue") });
  const record = Buffer.alloc(450, "x");
  const server = createServer((_req, res) => {
    queue.append([record]).then(
      () => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("1");
      },
      () => res.destroy(),
    );
  });
  const port = await listen(server);
  return {
    port,
    project: { id: 1, name: "none", token: "none", secret: "none", timeZone: "UTC" },
    stats: () => queue.stats(),
    async close() {
      await closeServer(server);
      await queue.close();
    },
  };
}

/** One request by fetch before the load: it must be accepted, and its reply is what every reply must be. */
async function probe(name: string, port: number, s: Scenario): Promise<string> {
  const reply = await fetch(`http://127.0.0.1:${port}${s.path}`, {
    method: s.method,
    headers: s.headers,
    body: s.body,
  });
  const text = await reply.text();
  if (reply.status !== 200 || !(text === "1" || text.includes(`"num_records_imported":${s.records}`)))
    throw new Error(`${name}: the probe was not accepted: ${reply.status} ${text}`);
  return text;
}

async function load(name: string, port: number, s: Scenario, expectBody: string, seconds: number) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${s.path}`,
    method: s.method,
    headers: s.headers,
    body: s.body,
    connections: s.connections,
    duration: seconds,
    expectBody,
    ...(LOAD_IN_WORKER ? { workers: 1 } : {}),
  });
  const failed = result.errors + result.timeouts + result.mismatches + result.non2xx;
  if (failed > 0) {
    throw new Error(
      `${name}: ${result.errors} errors, ${result.timeouts} timeouts, ` +
        `${result.mismatches} replies other than ${expectBody}, ${result.non2xx} non-2xx`,
    );
  }
  return result;
}

/**
 * The bare server, optionally spending `spinMicros` of CPU per request before it answers: the
 * calibration row shows what a fixed amount of extra work per request costs on this machine, where
 * server and load generator share two cores (a server that is slower leaves the client idle, so
 * each reply must also wake it).
 */
function runBaseline(spinMicros = 0): Promise<Measured> {
  const name =
    spinMicros === 0 ? "bare node:http, answers 1" : `bare node:http + ${spinMicros} µs of work a request`;
  return runAnswering1(name, bareServer(spinMicros));
}

/** The baseline server: node:http answering `1`, after `spinMicros` of CPU. */
function bareServer(spinMicros = 0): Server {
  return createServer((_req, res) => {
    const until = performance.now() + spinMicros / 1000;
    while (spinMicros > 0 && performance.now() < until);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("1");
  });
}

/**
 * Tally's HTTP/1.1 lane answering `1` to everything, with no ingestion behind it: what Tally's own
 * transport costs next to node:http's.
 */
function runLaneAlone(): Promise<Measured> {
  const headers = Object.freeze({ "Content-Type": "text/plain" });
  const lane = new FastLaneServer(
    {},
    { claims: () => true, answer: (exchange) => exchange.send(200, headers, "1"), maxBodyBytes: 0 },
    (_req, res) => res.writeHead(404).end(),
  );
  return runAnswering1("HTTP lane alone, answers 1 (no ingestion)", lane);
}

/** What the servers that answer `1` to anything are sent: a short GET. */
const ANSWER_1: Scenario = { path: "/", method: "GET", connections: CONNECTIONS, records: 1 };

async function runAnswering1(name: string, server: Server): Promise<Measured> {
  const port = await listen(server);
  const s = ANSWER_1;
  try {
    await load(name, port, s, "1", WARMUP_SECONDS);
    const busy = performance.eventLoopUtilization();
    const cpu = cpuNow();
    const result = await load(name, port, s, "1", SECONDS);
    return measured(name, s, result, performance.eventLoopUtilization(busy).utilization, cpuSince(cpu));
  } finally {
    await closeServer(server);
  }
}

/**
 * CPU time, in µs, of this process's main thread (the server's) and of all its threads; and how
 * long the main thread waited, ready, for a core, in µs.
 */
interface CpuTimes {
  readonly server: number;
  readonly process: number;
  readonly serverWait: number;
}

function cpuNow(): CpuTimes {
  const { user, system } = process.cpuUsage();
  return { server: serverThreadCpuMicros(), process: user + system, serverWait: serverThreadWaitMicros() };
}

function cpuSince(before: CpuTimes): CpuTimes {
  const now = cpuNow();
  return {
    server: now.server - before.server,
    process: now.process - before.process,
    serverWait: now.serverWait - before.serverWait,
  };
}

/** CPU time of this process's main thread (the server's), in µs; NaN where /proc does not say. */
function serverThreadCpuMicros(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 Hz).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/**
 * How long this process's main thread has waited on a run queue, ready but without a core, in µs:
 * the second field of its schedstat (nanoseconds); NaN where /proc does not say.
 */
function serverThreadWaitMicros(): number {
  try {
    const schedstat = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8");
    return Number(schedstat.split(" ")[1]) / 1000;
  } catch {
    return Number.NaN;
  }
}

async function runTally(
  root: string,
  name: string,
  start: (dataDir: string) => Promise<Target>,
  shape: Shape,
): Promise<Measured> {
  const dataDir = await mkdtemp(join(root, "tally-"));
  const target = await start(dataDir);
  try {
    const s = scenario(shape, target.project);
    const expectBody = await probe(name, target.port, s);
    await load(name, target.port, s, expectBody, WARMUP_SECONDS);
    // Requests still in flight when autocannon stops settle before the queue is counted.
    await sleep(300);
    const before = target.stats();
    const busy = performance.eventLoopUtilization();
    const cpu = cpuNow();
    const result = await load(name, target.port, s, expectBody, SECONDS);
    const cpuSpent = cpuSince(cpu);
    const serverBusy = performance.eventLoopUtilization(busy).utilization;
    const backlog = await drain(target);
    await sleep(300);
    const after = target.stats();
    checkDurable(name, s, result, before, after);
    const fsyncs = after.fsyncs - before.fsyncs;
    const fsync =
      fsyncs === 0
        ? undefined
        : {
            perSecond: fsyncs / result.duration,
            recordsEach: (after.records - before.records) / fsyncs,
            meanMs: ((after.fsyncSeconds.sum - before.fsyncSeconds.sum) / fsyncs) * 1000,
          };
    return { ...measured(name, s, result, serverBusy, cpuSpent), fsync, backlog };
  } finally {
    await target.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Waits until the processor has stored everything the queue holds (at most a minute). */
async function drain(target: Target): Promise<Measured["backlog"]> {
  if (target.unprocessed === undefined) return undefined;
  const records = target.unprocessed();
  const started = performance.now();
  while (target.unprocessed() > 0) {
    if (performance.now() - started > 60_000) throw new Error("the processor did not catch up in a minute");
    await sleep(10);
  }
  return { records, drainSeconds: (performance.now() - started) / 1000 };
}

/**
 * Waits until the whole process is quiet, under a tenth of a core over 100 ms (at most 10 s): once
 * the processor has caught up, a seal or merge it started may still run in a sealing thread.
 */
async function settle(): Promise<void> {
  const started = performance.now();
  for (;;) {
    const before = process.cpuUsage();
    await sleep(100);
    const { user, system } = process.cpuUsage(before);
    if (user + system < 10_000 || performance.now() - started > 10_000) return;
  }
}

/** Every acknowledged request's records are in the queue (plus those in flight when the load stopped). */
function checkDurable(name: string, s: Scenario, result: LoadResult, before: QueueStats, after: QueueStats) {
  const acknowledged = result["2xx"] * s.records;
  const durable = after.records - before.records;
  const inFlight = s.connections * s.records;
  if (durable < acknowledged || durable > acknowledged + inFlight) {
    throw new Error(`${name}: ${acknowledged} records acknowledged but ${durable} made durable`);
  }
}

function measured(
  name: string,
  s: Scenario,
  result: LoadResult,
  serverBusy: number,
  cpuSpent: CpuTimes,
): Measured {
  const requestsPerSecond = result["2xx"] / result.duration;
  return {
    name,
    requestsPerSecond,
    p50: result.latency.p50,
    p99: result.latency.p99,
    eventsPerSecond: requestsPerSecond * s.records,
    serverBusy,
    cpuMicros: cpuSpent.server / result["2xx"],
    serverWaiting: waitingShare(cpuSpent, result),
    otherThreads: (cpuSpent.process - cpuSpent.server) / (result.duration * 1e6),
  };
}

/** The share of a load run the server's thread waited, ready, for a core. */
function waitingShare(spent: CpuTimes, result: LoadResult): number {
  return spent.serverWait / (result.duration * 1e6);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

/** Stops a server at once, kept-alive connections and all. */
async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function percent(share: number): string {
  return Number.isNaN(share) ? "–" : `${Math.round(share * 100)}%`;
}

function backlogText(backlog: Measured["backlog"]): string {
  if (backlog === undefined) return "– (no processor)";
  return `${fmt(backlog.records)} (${backlog.drainSeconds.toFixed(1)} s)`;
}

function report(rows: readonly Measured[]): void {
  const baseline = rows[0].requestsPerSecond;
  console.log(
    "\n| row | requests/s | p50 / p99 ms | × baseline | events/s | fsyncs/s | records/fsync | fsync ms | server busy | server waiting for a core | server CPU µs/request | other threads' CPU | unprocessed at end (drained in) |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const ratio = singleEvent(row) ? `${(row.requestsPerSecond / baseline).toFixed(2)}×` : "–";
    const f = row.fsync;
    const fsync =
      f === undefined ? "– | – | –" : `${fmt(f.perSecond)} | ${fmt(f.recordsEach)} | ${f.meanMs.toFixed(2)}`;
    console.log(
      `| ${row.name} | ${fmt(row.requestsPerSecond)} | ${row.p50} / ${row.p99} | ${ratio} | ` +
        `${fmt(row.eventsPerSecond)} | ${fsync} | ${percent(row.serverBusy)} | ${percent(row.serverWaiting)} | ${row.cpuMicros.toFixed(1)} | ${percent(row.otherThreads)} | ${backlogText(row.backlog)} |`,
    );
  }
  budget(rows);
  const row = (prefix: string) => rows.find((r) => r.name.startsWith(prefix));
  goals((prefix) => {
    const found = row(prefix);
    return found === undefined ? undefined : found.requestsPerSecond / baseline;
  }, row("Tally /import")?.eventsPerSecond);
}

/** A 2,000-event request does not compare with the baseline's: only single-event rows get a ratio. */
function singleEvent(row: Measured): boolean {
  return row.eventsPerSecond === row.requestsPerSecond;
}

/**
 * Where the serving thread's time goes, per request, against what the /track goal allows it. One
 * thread serves every request, so a request's share of its time is 1 / rate: the CPU it spent, the
 * time it was ready but had no core, and the rest, when it was blocked (in a group's durable write
 * above all) or had nothing to do. A flush's own CPU counts in both "CPU" and "flushes".
 */
function budget(rows: readonly Measured[]): void {
  const allowed = 1e6 / (GOAL_RATIO * rows[0].requestsPerSecond);
  const rule = `1 / (${GOAL_RATIO.toFixed(2)} × the baseline's rate)`;
  console.log(
    `\nthe serving thread's time a request, µs; the /track goal allows ${allowed.toFixed(1)}: ${rule}\n`,
  );
  console.log("| row | time a request | CPU | waiting for a core | blocked or idle | in flushes |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    if (!singleEvent(row)) continue;
    const time = 1e6 / row.requestsPerSecond;
    const waiting = row.serverWaiting * time;
    const f = row.fsync;
    const flushes =
      f === undefined ? "–" : ((f.perSecond * f.meanMs * 1000) / row.requestsPerSecond).toFixed(1);
    console.log(
      `| ${row.name} | ${time.toFixed(1)} | ${row.cpuMicros.toFixed(1)} | ${waiting.toFixed(1)} | ${(time - row.cpuMicros - waiting).toFixed(1)} | ${flushes} |`,
    );
  }
}

function goals(ratioOf: (prefix: string) => number | undefined, imported: number | undefined): void {
  const tracks = [ratioOf("Tally /track GET"), ratioOf("Tally /track form")].filter((r) => r !== undefined);
  if (tracks.length > 0) {
    const worst = Math.min(...tracks);
    const verdict = worst >= GOAL_RATIO ? "met" : "missed";
    console.log(`\ngoal /track ≥ ${GOAL_RATIO.toFixed(2)}× baseline: ${worst.toFixed(2)}× (${verdict})`);
  }
  if (imported !== undefined) {
    console.log(
      `goal /import ≥ 150,000 events/s: ${fmt(imported)} (${imported >= 150_000 ? "met" : "missed"})`,
    );
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Each row's median over the rounds: events/s, and its ratio to the baseline of its own round. */
function reportMedians(rounds: readonly (readonly Measured[])[]): void {
  const ratios = new Map<string, number[]>();
  const rates = new Map<string, number[]>();
  const batched = new Set<string>();
  for (const rows of rounds) {
    for (const row of rows) {
      ratios.set(row.name, [
        ...(ratios.get(row.name) ?? []),
        row.requestsPerSecond / rows[0].requestsPerSecond,
      ]);
      rates.set(row.name, [...(rates.get(row.name) ?? []), row.eventsPerSecond]);
      if (row.eventsPerSecond !== row.requestsPerSecond) batched.add(row.name);
    }
  }
  const medianOf = (map: Map<string, number[]>, name: string) => median(map.get(name) ?? []);
  console.log(`\nmedians of ${rounds.length} rounds (ratios taken within each round):\n`);
  console.log("| row | events/s | × baseline | ratios of the rounds |");
  console.log("| --- | ---: | ---: | --- |");
  for (const [name, list] of ratios) {
    const ratio = batched.has(name)
      ? "– | –"
      : `${median(list).toFixed(2)}× | ${list.map((r) => r.toFixed(2)).join(", ")}`;
    console.log(`| ${name} | ${fmt(medianOf(rates, name))} | ${ratio} |`);
  }
  const named = (prefix: string) => [...ratios.keys()].find((name) => name.startsWith(prefix));
  const ratioOf = (prefix: string) => {
    const name = named(prefix);
    return name === undefined ? undefined : medianOf(ratios, name);
  };
  const imported = named("Tally /import");
  goals(ratioOf, imported === undefined ? undefined : medianOf(rates, imported));
}

/**
 * The /track goal measured in alternating slices rather than rows: the bare server and Tally stay
 * up, and autocannon moves between them every SLICE_SECONDS — bare, GET, form POST, bare, GET, … —
 * ending on a bare slice. Each Tally slice is compared with the mean of the bare slices before and
 * after it, seconds apart, so the machine's drift over minutes (the bare server moved 72,000–92,000
 * requests/s between rows of one run) stays out of the ratio.
 */
async function runPaired(root: string): Promise<void> {
  const bare = bareServer();
  const barePort = await listen(bare);
  const target = await startWholeServer(await mkdtemp(join(root, "tally-")));
  const targets = [{ label: "", target }];
  if (PAIRED_STAGE) {
    const stage = await startIngestStage(await mkdtemp(join(root, "stage-")));
    targets.push({ label: "ingest stage only: ", target: stage });
  }
  try {
    const shapes = (["track-get", "track-form"] as const).flatMap((shape) =>
      targets.map(({ label, target }) => ({
        name: `${label}/track ${shape === "track-get" ? "GET" : "form POST"}`,
        s: scenario(shape, target.project),
        target,
        acknowledged: 0,
      })),
    );
    const rate = async (port: number, s: Scenario, seconds: number) => {
      const cpu = cpuNow();
      const result = await load("paired", port, s, "1", seconds);
      const spent = cpuSince(cpu);
      const cpuPerRequest = spent.server / result["2xx"];
      const otherPerRequest = (spent.process - spent.server) / result["2xx"];
      const waiting = waitingShare(spent, result);
      return { result, perSecond: result["2xx"] / result.duration, cpuPerRequest, otherPerRequest, waiting };
    };
    for (const { name, s, target } of shapes) await probe(name, target.port, s);
    await rate(barePort, ANSWER_1, WARMUP_SECONDS);
    for (const { s, target } of shapes) await rate(target.port, s, WARMUP_SECONDS);
    // The processor catches up, and the seals and merges it started end, before each bare slice,
    // so the bare server never shares the cores with Tally's background work.
    const bareCpu: number[] = [];
    const bareOther: number[] = [];
    const bareWait: number[] = [];
    const bareSlice = async () => {
      await drain(target);
      await settle();
      const slice = await rate(barePort, ANSWER_1, SLICE_SECONDS);
      bareCpu.push(slice.cpuPerRequest);
      bareOther.push(slice.otherPerRequest);
      bareWait.push(slice.waiting);
      return slice.perSecond;
    };
    await sleep(300);
    const before = targets.map(({ target }) => target.stats().records);
    const bares = [await bareSlice()];
    const tallies = shapes.map(() => ({
      rates: [] as number[],
      cpu: [] as number[],
      other: [] as number[],
      wait: [] as number[],
    }));
    for (let pair = 0; pair < PAIRED; pair++) {
      for (const [i, shape] of shapes.entries()) {
        const slice = await rate(shape.target.port, shape.s, SLICE_SECONDS);
        shape.acknowledged += slice.result["2xx"];
        tallies[i].rates.push(slice.perSecond);
        tallies[i].cpu.push(slice.cpuPerRequest);
        tallies[i].other.push(slice.otherPerRequest);
        tallies[i].wait.push(slice.waiting);
      }
      bares.push(await bareSlice());
    }
    await drain(target);
    await sleep(300);
    for (const [k, { label, target }] of targets.entries()) {
      const acknowledged = shapes.reduce((sum, s) => sum + (s.target === target ? s.acknowledged : 0), 0);
      const durable = target.stats().records - before[k];
      const slop = PAIRED * shapes.length * CONNECTIONS;
      if (durable < acknowledged || durable > acknowledged + slop)
        throw new Error(`paired ${label}: ${acknowledged} records acknowledged but ${durable} made durable`);
    }
    reportPaired(
      { rates: bares, cpu: bareCpu, other: bareOther, wait: bareWait },
      shapes.map((shape, i) => ({ name: shape.name, ...tallies[i] })),
    );
  } finally {
    for (const { target } of targets) await target.close();
    await closeServer(bare);
  }
}

/**
 * Slices of one kind, slice by slice: requests/s; CPU µs per request of the server thread and of
 * the process's other threads (autocannon's, and Tally's background work: processing, sealing);
 * the share of the slice the server thread waited for a core.
 */
interface Slices {
  readonly rates: readonly number[];
  readonly cpu: readonly number[];
  readonly other: readonly number[];
  readonly wait: readonly number[];
}

function reportPaired(bare: Slices, rows: readonly (Slices & { name: string })[]) {
  const bares = bare.rates;
  console.log(
    `\npaired slices of ${SLICE_SECONDS} s, ${CONNECTIONS} connections: bare node:http ${bares.map(fmt).join(", ")} requests/s; CPU µs/request, medians: server ${median(bare.cpu).toFixed(1)}, other threads ${median(bare.other).toFixed(1)} (autocannon); server waiting for a core ${percent(median(bare.wait))}\n`,
  );
  console.log(
    "| Tally | × the bare slices around it, median | each pair | requests/s, median | server CPU µs/request, median (each) | other threads' CPU µs/request, median | server waiting for a core, median |",
  );
  console.log("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
  const medians = new Map<string, number>();
  for (const { name, rates, cpu, other, wait } of rows) {
    const ratios = rates.map((r, i) => r / ((bares[i] + bares[i + 1]) / 2));
    medians.set(name, median(ratios));
    const each = ratios.map((r) => r.toFixed(2)).join(", ");
    const cpuText = `${median(cpu).toFixed(1)} (${cpu.map((c) => c.toFixed(1)).join(", ")})`;
    console.log(
      `| ${name} | ${median(ratios).toFixed(2)}× | ${each} | ${fmt(median(rates))} | ${cpuText} | ${median(other).toFixed(1)} | ${percent(median(wait))} |`,
    );
  }
  // goals() asks by the rows' names ("Tally /track GET…").
  const ratioOf = (prefix: string) => [...medians].find(([name]) => `Tally ${name}`.startsWith(prefix))?.[1];
  goals(ratioOf, undefined);
}

/** Every row, ROUNDS times over, each round against its own baseline. */
async function runRows(root: string): Promise<void> {
  const where = LOAD_IN_WORKER ? "autocannon in a worker thread" : "autocannon on the server's thread";
  console.log(
    `ingest HTTP benchmark: fsync on, ${SECONDS} s per row after ${WARMUP_SECONDS} s warm-up, ${where}`,
  );
  const batch = `${IMPORT_BATCH.toLocaleString("en-US")}-event JSON batches`;
  const wanted = (name: string) => ROW_FILTER === undefined || ROW_FILTER.some((w) => name.includes(w));
  const tally = (name: string, start: (dataDir: string) => Promise<Target>, shape: Shape) =>
    [name, () => runTally(root, name, start, shape)] as const;
  const plan = [
    ["calibration", () => runBaseline(CALIBRATION_MICROS)] as const,
    ["lane alone", runLaneAlone] as const,
    tally("Tally /track GET, 1 base64 event", startWholeServer, "track-get"),
    tally("Tally /track form POST, 1 base64 event", startWholeServer, "track-form"),
    tally(`Tally /import, ${batch}`, startWholeServer, "import"),
    tally("ingest stage only: /track GET", startIngestStage, "track-get"),
    tally(
      "ingest stage, no disk (a sink that keeps nothing): /track GET",
      (dir) => startIngestStage(dir, false),
      "track-get",
    ),
    tally(`ingest stage only: /import, ${batch}`, startIngestStage, "import"),
    tally("queue alone: bare server + one durable 450-byte append", startQueueAlone, "track-get"),
  ];
  const rounds: Measured[][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const rows: Measured[] = [await runBaseline()];
    for (const [name, run] of plan) if (wanted(name)) rows.push(await run());
    if (ROUNDS > 1) console.log(`\nround ${round} of ${ROUNDS}`);
    report(rows);
    rounds.push(rows);
  }
  if (ROUNDS > 1) reportMedians(rounds);
}

const root = await mkdtemp(join(tmpdir(), "tally-ingest-bench-"));
try {
  await (PAIRED > 0 ? runPaired(root) : runRows(root));
} finally {
  await rm(root, { recursive: true, force: true });
}
