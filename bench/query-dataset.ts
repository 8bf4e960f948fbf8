// The query benchmark's data set, made once: Tally's store (every day sealed and compacted, so
// queries read Tally's own segment files) and the baseline's column files, both from the same
// StoredEvents, cached under .bench-data/ by generator version, segment format, seed and size.
// A run finds the cache complete (config.json is written last) or builds it from scratch.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StoredEvent as ReferenceEvent } from "../src/query/reference/dataset.js";
import { EventStore } from "../src/store/event-store.js";
import { SEGMENT_VERSION } from "../src/store/segment-format.js";
import { type ColumnChunk, ColumnFiles, columnsOf } from "./query-columns.js";
import { type DataSetConfig, EventGenerator, eventsPerDay, storedEvents } from "./query-generate.js";
import { random } from "./query-random.js";
import { makeUsers, type Users } from "./query-users.js";

/** Bump when the generator's output changes, so stale caches are not used. */
export const GENERATOR_VERSION = 1;
export const PROJECT_ID = 1;
const CHUNK_ROWS = 50_000;

export const FULL_CONFIG: DataSetConfig = {
  seed: 20240401,
  events: 10_000_000,
  users: 100_000,
  days: 30,
  startDay: "2024-04-01",
};

/** A cached data set on disk. */
export interface DataSetDir {
  readonly config: DataSetConfig;
  readonly storeDir: string;
  readonly columnsDir: string;
}

export function usersOf(config: DataSetConfig): Users {
  return makeUsers(config.seed, config.users, config.days);
}

export function dataSetDir(root: string, config: DataSetConfig): DataSetDir {
  const name = `query-g${GENERATOR_VERSION}-f${SEGMENT_VERSION}-seed${config.seed}-${config.events}-${config.users}u-${config.days}d`;
  const dir = join(root, name);
  return { config, storeDir: join(dir, "store"), columnsDir: join(dir, "columns") };
}

function donePath(d: DataSetDir): string {
  return join(d.storeDir, "..", "config.json");
}

export function isComplete(d: DataSetDir): boolean {
  if (!existsSync(donePath(d))) return false;
  return JSON.stringify(JSON.parse(readFileSync(donePath(d), "utf8"))) === JSON.stringify(d.config);
}

/** A chunk of the data set: StoredEvents, their columns, and whether the chunk ends a day. */
export interface GeneratedChunk {
  readonly events: ReferenceEvent[];
  readonly columns: ColumnChunk;
  readonly endsDay: boolean;
}

/** Every chunk of the data set, in offset order. */
export function* generate(config: DataSetConfig, users: Users): Generator<GeneratedChunk> {
  const generator = new EventGenerator(config, users);
  const rand = random(config.seed ^ 0x9e3779b9);
  const counts = eventsPerDay(config);
  for (let d = 0; d < counts.length; d++) {
    const day = generator.day(d, counts[d]);
    for (let from = 0; from < day.length; from += CHUNK_ROWS) {
      const to = Math.min(day.length, from + CHUNK_ROWS);
      const events = storedEvents(day, users, from, to, rand);
      yield { events, columns: columnsOf(day, users, from, events), endsDay: to === day.length };
    }
  }
}

/** Builds the cached data set unless it is already complete; `log` hears progress. */
export async function ensureDataSet(d: DataSetDir, log: (line: string) => void): Promise<void> {
  if (isComplete(d)) return;
  rmSync(join(d.storeDir, ".."), { recursive: true, force: true });
  mkdirSync(d.columnsDir, { recursive: true });
  const started = performance.now();
  // One segment per day: buffers never fill (sealRows above a day), and each finished day is
  // sealed while the next one is generated, so at most two days of rows are in memory.
  const store = await EventStore.open(d.storeDir, { maintenanceIntervalMs: 0, sealRows: 10_000_000 });
  const files = new ColumnFiles(d.columnsDir);
  let sealing: Promise<void> = Promise.resolve();
  try {
    let rows = 0;
    let days = 0;
    for (const chunk of generate(d.config, usersOf(d.config))) {
      await store.append(PROJECT_ID, "UTC", chunk.events);
      files.write(chunk.columns);
      rows += chunk.events.length;
      if (!chunk.endsDay) continue;
      await sealing;
      sealing = store.sealAll();
      if (++days % 10 === 0) log(`  ${days} days, ${rows.toLocaleString("en-US")} events stored`);
    }
    await sealing;
    await store.compact();
  } finally {
    files.close();
    await store.close();
  }
  writeFileSync(donePath(d), JSON.stringify(d.config));
  log(`  data set built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
