// Scan workers against none, in one process, runs interleaved (A B B A …) so that the load other
// work puts on the machine falls on both sides alike: each of the four benchmark queries over the
// query benchmark's 10-million-event data set (built by query.bench.ts if missing), cold (every run
// from an empty cache, collected garbage before each) and warm (one cache per side, filled first).
// Prints each side's medians and their ratio; the answers of both sides must be equal.
// Usage: node --expose-gc dist/bench/query-workers.bench.js [--workers N] [--colds N] [--warm N]
//   --workers: the pool's threads (default: the engine's default); --colds, --warm: runs per side
//   (default 5 and 11).

import assert from "node:assert/strict";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ENGINE_ENDPOINTS } from "../src/query/engine/endpoints.js";
import { EngineCache } from "../src/query/engine/engine-cache.js";
import { defaultScanWorkers, ScanPool } from "../src/query/engine/scan-pool.js";
import { storeSource } from "../src/query/engine/source.js";
import { EventStore } from "../src/store/event-store.js";
import { dataSetDir, ensureDataSet, FULL_CONFIG, PROJECT_ID } from "./query-dataset.js";
import { median } from "./query-measure.js";
import { type BenchQuery, benchQueries, rangeOf } from "./query-queries.js";

type Side = "none" | "workers";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A B B A A B …: each side runs first as often as second. */
function sideOf(i: number): Side {
  return i % 4 === 0 || i % 4 === 3 ? "none" : "workers";
}

async function main(): Promise<void> {
  const workers = flag("--workers", defaultScanWorkers());
  const colds = flag("--colds", 5);
  const warm = flag("--warm", 11);
  const dir = dataSetDir(join(process.cwd(), ".bench-data"), FULL_CONFIG);
  await ensureDataSet(dir, (line) => console.log(line));
  const store = await EventStore.open(dir.storeDir, { maintenanceIntervalMs: 0 });
  const pool = new ScanPool({ size: workers });
  const aliases = new Map<string, string>();
  const now = rangeOf(FULL_CONFIG).to;
  const run = async (query: BenchQuery, cache: EngineCache, side: Side) => {
    const source = storeSource(store, PROJECT_ID, {
      aliases,
      profiles: () => undefined,
      timeZone: "UTC",
      now,
      cache,
      workers: side === "workers" ? pool : undefined,
    });
    const endpoint = ENGINE_ENDPOINTS.get(query.endpoint);
    if (endpoint === undefined) throw new Error(`no endpoint ${query.endpoint}`);
    const start = performance.now();
    const reply = await endpoint(source, query.params);
    return { ms: performance.now() - start, json: JSON.stringify(reply) };
  };
  console.log(`scan workers: ${workers} against none; load average ${loadavg()[0].toFixed(2)}`);
  console.log(
    "| query | cold, none | cold, workers | cold ratio | warm, none | warm, workers | warm ratio |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  try {
    for (const query of benchQueries(FULL_CONFIG)) {
      const times: Record<"cold" | "warm", Record<Side, number[]>> = {
        cold: { none: [], workers: [] },
        warm: { none: [], workers: [] },
      };
      const answers = new Set<string>();
      for (let i = 0; i < 2 * colds; i++) {
        collectGarbage();
        const { ms, json } = await run(query, new EngineCache(), sideOf(i));
        times.cold[sideOf(i)].push(ms);
        answers.add(json);
      }
      const caches: Record<Side, EngineCache> = { none: new EngineCache(), workers: new EngineCache() };
      for (const side of ["none", "workers"] as const) await run(query, caches[side], side);
      for (let i = 0; i < 2 * warm; i++) {
        const { ms, json } = await run(query, caches[sideOf(i)], sideOf(i));
        times.warm[sideOf(i)].push(ms);
        answers.add(json);
      }
      assert.equal(answers.size, 1, `${query.name}: the sides answered differently`);
      const cell = (xs: number[]) => `${median(xs).toFixed(median(xs) < 100 ? 1 : 0)} ms`;
      const ratio = (a: number[], b: number[]) => `${(median(b) / median(a)).toFixed(2)}×`;
      const { cold, warm: hot } = times;
      console.log(
        `| ${query.title} | ${cell(cold.none)} | ${cell(cold.workers)} | ${ratio(cold.none, cold.workers)} | ` +
          `${cell(hot.none)} | ${cell(hot.workers)} | ${ratio(hot.none, hot.workers)} |`,
      );
    }
  } finally {
    await pool.close();
    await store.close();
  }
  console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
}

await main();
