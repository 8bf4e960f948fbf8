// Processor throughput, queue → store, against the rate at which the same process merely reads the
// queue and decodes its envelopes (baseline, same run). A realistic stream (synthetic-stream.ts) is
// appended to an embedded queue as ingest would; then a Processor over fresh stores (event store,
// SQLite aliases and profiles, wired and configured as `tally serve` wires them) consumes it to the
// end. Its time runs until `processedThrough` reaches the end, then on until `sealAll` has sealed
// what the write buffers still hold: the seals of full buffers (in the sealing worker) happen during
// the run and are included. Background compaction runs as in the server, deferred during the burst;
// a last row also times the merge it would then run (compact now), so the whole cost shows.
// Usage: node dist/bench/process.bench.js [records] [batchRecords]   (default 1,000,000, the processor's)

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BATCH_LIMITS, Processor } from "../src/process/processor.js";
import { SqliteProfileStore } from "../src/process/profile-sqlite-store.js";
import { SqliteAliasStore } from "../src/process/sqlite-alias-store.js";
import type { Project, ProjectDirectory } from "../src/projects/project.js";
import { decodeEnvelope } from "../src/queue/envelope.js";
import { type EmbeddedLog, openLog } from "../src/queue/log.js";
import { createLogger } from "../src/server/log.js";
import { EventStore } from "../src/store/event-store.js";
import { PROJECT_ID, SyntheticStream, TOKEN } from "./synthetic-stream.js";

const RECORDS = Number(process.argv[2] ?? 1_000_000);
const LIMITS = { ...BATCH_LIMITS, maxRecords: Number(process.argv[3] ?? BATCH_LIMITS.maxRecords) };
const DAY = "2024-05-14";
/** The event store's own default: a day with this many small segments is merged. */
const COMPACT_MIN_SEGMENTS = 4;
const APPEND_CHUNK = 2_000;

const PROJECT: Project = { id: PROJECT_ID, name: "bench", token: TOKEN, secret: "s", timeZone: "UTC" };
const PROJECTS: ProjectDirectory = {
  byId: (id) => (id === PROJECT_ID ? PROJECT : undefined),
  byToken: (token) => (token === TOKEN ? PROJECT : undefined),
  authenticate: () => undefined,
};

interface Timed {
  readonly seconds: number;
  /** CPU seconds of the whole process (every thread). */
  readonly cpu: number;
  /** Seconds the main thread (where `tally serve` also runs ingest) was busy, not idle in its event loop. */
  readonly mainBusy: number;
  /** Cores other processes kept busy meanwhile, on average (the machine is shared); NaN if unknown. */
  readonly others: number;
}

/** CPU seconds the whole machine spent busy so far (Linux), or NaN. */
function machineBusySeconds(): number {
  if (!existsSync("/proc/stat")) return Number.NaN;
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "latin1")
    .split("\n")[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

function startClock(): () => Timed {
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const machine = machineBusySeconds();
  const loop = performance.eventLoopUtilization();
  return () => {
    const used = process.cpuUsage(cpu);
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const ours = (used.user + used.system) / 1e6;
    const mainBusy = performance.eventLoopUtilization(loop).active / 1000;
    const others = Math.max(0, machineBusySeconds() - machine - ours) / seconds;
    return { seconds, cpu: ours, mainBusy, others };
  };
}

function figures(label: string, timed: Timed): string {
  const rate = Math.round(RECORDS / timed.seconds).toLocaleString("en-US");
  const cpu = ((timed.cpu / RECORDS) * 1e6).toFixed(1);
  const main = ((timed.mainBusy / RECORDS) * 1e6).toFixed(1);
  const others = Number.isNaN(timed.others) ? "" : `, others ${timed.others.toFixed(1)} cores`;
  return (
    `${label.padEnd(26)} ${rate.padStart(9)} records/s  (${timed.seconds.toFixed(2)} s, CPU ${cpu} µs/record, ` +
    `main thread ${main}${others})`
  );
}

/** The stream, appended in chunks as ingest's group commits would. */
async function fillQueue(queue: EmbeddedLog): Promise<number> {
  const stream = new SyntheticStream(Date.parse(`${DAY}T00:00:00Z`) / 1000);
  let bytes = 0;
  for (let done = 0; done < RECORDS; done += APPEND_CHUNK) {
    const chunk: Buffer[] = [];
    for (let i = done; i < Math.min(RECORDS, done + APPEND_CHUNK); i++) chunk.push(stream.next());
    for (const p of chunk) bytes += p.length;
    await queue.append(chunk);
  }
  return bytes;
}

/** The baseline: read every record and decode its envelope, in the processor's batches. */
async function readOnly(queue: EmbeddedLog): Promise<{ timed: Timed; events: number }> {
  const consumer = await queue.consumer("baseline");
  const stop = startClock();
  let events = 0;
  while (consumer.position < RECORDS) {
    for (const r of await consumer.read(LIMITS)) if (decodeEnvelope(r.payload).kind === "event") events++;
  }
  const timed = stop();
  await consumer.close();
  return { timed, events };
}

interface ProcessRun {
  readonly processed: Timed;
  readonly sealed: Timed;
  /** Sealed, then the day's segments merged as background compaction would merge them. */
  readonly compacted: Timed;
  readonly stored: number;
  readonly segments: number;
}

async function processAll(dir: string, queue: EmbeddedLog): Promise<ProcessRun> {
  const store = await EventStore.open(join(dir, "events"), {
    onBackgroundError: (e) => console.error("store background error", e),
  });
  const aliases = new SqliteAliasStore(dir);
  const profiles = new SqliteProfileStore(dir);
  const log = createLogger(() => {});
  const deps = { queue, store, aliases, profiles, projects: PROJECTS, log, batchRecords: LIMITS.maxRecords };
  const processor = new Processor(deps);
  const stop = startClock();
  await processor.start();
  while (processor.processedThrough < RECORDS) await sleep(2);
  const processed = stop();
  await store.sealAll();
  const sealed = stop();
  // What background compaction would do next, done now: the whole cost of a burst, merges included.
  await store.compact(COMPACT_MIN_SEGMENTS);
  const compacted = stop();
  await processor.stop();
  const snapshot = store.partitions(PROJECT_ID, DAY, DAY);
  let stored = 0;
  for (const p of snapshot.partitions) for (const b of p.batches) stored += b.length;
  snapshot.release();
  await store.close();
  await Promise.all([aliases.close(), profiles.close()]);
  const files = readdirSync(join(dir, "events", String(PROJECT_ID), DAY));
  return { processed, sealed, compacted, stored, segments: files.filter((f) => f.endsWith(".tseg")).length };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tally-process-bench-"));
  try {
    const queue = await openLog({ dir: join(dir, "queue") });
    const filling = startClock();
    const bytes = await fillQueue(queue);
    console.log(
      `queue: ${RECORDS.toLocaleString("en-US")} records, ${Math.round(bytes / RECORDS)} B each, filled in ` +
        `${filling().seconds.toFixed(1)} s; batches of ${LIMITS.maxRecords.toLocaleString("en-US")} records; ` +
        `${availableParallelism()} cores`,
    );
    const baseline = await readOnly(queue);
    const run = await processAll(dir, queue);
    await queue.close();
    if (run.stored !== baseline.events) {
      throw new Error(`the store holds ${run.stored} events, the queue ${baseline.events}`);
    }
    console.log(figures("baseline: read + decode", baseline.timed));
    console.log(figures("processed (offset at end)", run.processed));
    console.log(figures("processed + sealed", run.sealed));
    console.log(figures("... + compacted", run.compacted));
    console.log(
      `processed + sealed / baseline: ${(baseline.timed.seconds / run.sealed.seconds).toFixed(2)}×; ` +
        `${run.stored.toLocaleString("en-US")} events in ${run.segments} segment files after compaction ` +
        `(last seal ${(run.sealed.seconds - run.processed.seconds).toFixed(2)} s)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
