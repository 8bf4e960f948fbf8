// The embedded queue's append path, fsync on: one append at a time (each waits for one durable
// write: the latency a quiet /track sees), many concurrent small appends (the /track shape) and
// 2,000-record batches (the /import shape), against a baseline of bare write + fdatasync of the
// same bytes on one file. Prints appends/s, records/s, MB/s and the fsyncs/s group commit needed.

import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLog } from "../src/queue/log.js";
import type { LatencyHistogram } from "../src/queue/queue.js";

const SECONDS = 3;
const RECORD = Buffer.from(
  JSON.stringify({
    k: "event",
    p: 1,
    t: 1700000000123,
    d: {
      event: "Viewed page",
      properties: {
        distinct_id: "user-123456",
        time: 1700000000.123,
        $insert_id: "a1b2c3d4e5f6",
        url: "https://example.com/pricing",
        $browser: "Chrome",
        plan: "pro",
      },
    },
  }),
);

interface Shape {
  readonly name: string;
  readonly clients: number;
  readonly recordsPerAppend: number;
}

const SHAPES: readonly Shape[] = [
  { name: "single appends (1 record, 1 client)", clients: 1, recordsPerAppend: 1 },
  { name: "small appends (1 record, 256 concurrent clients)", clients: 256, recordsPerAppend: 1 },
  { name: "2,000-record batches (8 concurrent clients)", clients: 8, recordsPerAppend: 2000 },
];

async function runShape(root: string, shape: Shape): Promise<number> {
  const dir = await mkdtemp(join(root, "log-"));
  const log = await openLog({ dir, retentionMs: 0 });
  const consumer = await log.consumer("bench");
  const batch = Array.from({ length: shape.recordsPerAppend }, () => RECORD);
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const client = async () => {
    while (performance.now() < deadline) await log.append(batch);
  };
  // A consumer commits as it goes, so retention keeps the disk use flat as in a running server.
  const draining = (async () => {
    while (performance.now() < deadline) {
      if (!(await consumer.waitForRecords())) return;
      const records = await consumer.read({ maxRecords: 50_000, maxBytes: 32 << 20 });
      if (records.length > 0) await consumer.commit(records[records.length - 1].offset + 1);
    }
  })();
  await Promise.all(Array.from({ length: shape.clients }, client));
  const elapsed = (performance.now() - started) / 1000;
  await log.close();
  await draining;
  const stats = log.stats();
  const bytesPerSecond = (stats.records * (RECORD.length + 8)) / elapsed;
  console.log(`\n${shape.name}`);
  console.log(`  appends/s        ${fmt(stats.appends / elapsed)}`);
  console.log(`  records/s        ${fmt(stats.records / elapsed)}`);
  console.log(`  MB/s             ${(bytesPerSecond / 1e6).toFixed(1)}`);
  console.log(`  fsyncs/s         ${fmt(stats.fsyncs / elapsed)}`);
  console.log(`  appends/fsync    ${(stats.appends / stats.fsyncs).toFixed(1)}`);
  console.log(
    `  fsync p50 / p99  ${quantile(stats.fsyncSeconds, 0.5)} / ${quantile(stats.fsyncSeconds, 0.99)}`,
  );
  const { sum, count } = stats.fsyncSeconds;
  console.log(`  fsync mean       ${((sum / count) * 1000).toFixed(3)} ms`);
  await rm(dir, { recursive: true, force: true });
  return bytesPerSecond;
}

/** Bare write + fdatasync of one 2,000-record group's bytes, back to back: the disk's ceiling. */
async function baseline(root: string): Promise<number> {
  const file = await open(join(root, "baseline"), "w");
  const group = Buffer.alloc(2000 * (RECORD.length + 8), 7);
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let written = 0;
  let syncs = 0;
  while (performance.now() < deadline) {
    await file.write(group, 0, group.length, written);
    await file.datasync();
    written += group.length;
    syncs++;
    if (written > 512 << 20) written = 0;
  }
  const elapsed = (performance.now() - started) / 1000;
  await file.close();
  console.log(`\nbaseline: bare write + fdatasync of ${fmt(group.length)}-byte groups`);
  console.log(`  MB/s             ${((syncs * group.length) / elapsed / 1e6).toFixed(1)}`);
  console.log(`  fsyncs/s         ${fmt(syncs / elapsed)}`);
  return (syncs * group.length) / elapsed;
}

function quantile(histogram: LatencyHistogram, q: number): string {
  const target = histogram.count * q;
  let seen = 0;
  for (const [i, count] of histogram.counts.entries()) {
    seen += count;
    if (seen >= target) return i < histogram.bounds.length ? `≤ ${histogram.bounds[i] * 1000} ms` : "> 5 s";
  }
  return "n/a";
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

const root = await mkdtemp(join(tmpdir(), "tally-queue-bench-"));
try {
  console.log(`queue append benchmark, fsync on, ${RECORD.length}-byte records, ${SECONDS} s per shape`);
  const ceiling = await baseline(root);
  for (const shape of SHAPES) {
    const bytesPerSecond = await runShape(root, shape);
    console.log(`  MB/s vs baseline ${(bytesPerSecond / ceiling).toFixed(2)}×`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
