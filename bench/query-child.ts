// One side of the benchmark in a process of its own (forked by query.bench.ts), so that each
// side's memory is its own and one side's garbage is never collected on the other's clock. It
// loads the data set, runs every query, and sends back its figures and answers.

import type { Dataset } from "../src/query/reference/dataset.js";
import { type Answer, differences } from "./query-answers.js";
import { readColumnFiles } from "./query-columns.js";
import { type DataSetDir, generate, usersOf } from "./query-dataset.js";
import { answerOfRows, DuckDbSide } from "./query-duckdb.js";
import type { DataSetConfig } from "./query-generate.js";
import { maxRssMib, measure, median, RssSampler, rssMib, type Timings } from "./query-measure.js";
import { type BenchQuery, benchQueries, type QueryName, rangeOf } from "./query-queries.js";
import { answerOfReply } from "./query-replies.js";
import { engineSide, referenceSide, type TallySide } from "./query-tally.js";

export type SideName = "engine" | "engine-workers" | "reference" | "duckdb";

export interface ChildTask {
  readonly side: SideName;
  readonly config: DataSetConfig;
  /** The cached data set (the reference generates its row objects again, in memory). */
  readonly dir: DataSetDir;
  readonly runs: number;
  /** The engine's cache bound; undefined: its default. */
  readonly cacheMib?: number;
  /** The engine-workers side's scan threads. */
  readonly workers: number;
  /** Cold runs per query (each from an empty cache); their median is the cold figure. */
  readonly colds: number;
}

export interface QueryFigures extends Partial<Timings> {
  readonly name: QueryName;
  /** Tally only: every cold run's time, the first query after opening first. */
  readonly coldsMs?: number[];
  /** No timings and no answer: this side does not answer the query yet. */
  readonly pending: boolean;
  /** Engine only: the cache's size after the runs, and entries loaded by the cold run and by the warm ones. */
  readonly cache?: { readonly mib: number; readonly coldLoads: number; readonly warmLoads: number };
  readonly answer: Answer | null;
}

export interface SideReport {
  readonly side: SideName;
  readonly loadMs: number;
  readonly rssAfterLoadMib: number;
  /** Whatever else is worth printing about the side (DuckDB's threads and own memory). */
  readonly notes: string[];
  readonly queries: QueryFigures[];
  readonly maxRssMib: number;
}

/** A query's answer must not change from the cold run to the warm ones (a cache bug would). */
function checkedAnswer(name: string, answers: readonly Answer[]): Answer {
  for (const a of answers.slice(1)) {
    const diff = differences(answers[0], a);
    if (diff.length > 0)
      throw new Error(`${name}: a warm run answered differently\n  ${diff.slice(0, 5).join("\n  ")}`);
  }
  return answers[0];
}

function inMemoryDataset(config: DataSetConfig): Dataset {
  const events = [];
  for (const chunk of generate(config, usersOf(config))) events.push(...chunk.events);
  return { events, aliases: new Map(), profiles: new Map(), timeZone: "UTC", now: rangeOf(config).to };
}

function mibBytes(mib: number | undefined): number | undefined {
  return mib === undefined ? undefined : mib * 2 ** 20;
}

/** One query on Tally's side, from an empty cache; `colds` runs from an empty cache, then warm runs. */
async function measureTally(
  side: TallySide,
  query: BenchQuery,
  sampler: RssSampler,
  runs: number,
  colds: number,
): Promise<QueryFigures> {
  const replies: unknown[] = [];
  const coldsMs: number[] = [];
  for (let c = 1; c < colds; c++) {
    side.dropCache();
    // As `measure` does before its cold run: the dropped cache is not collected on this run's clock.
    (globalThis as { gc?: () => void }).gc?.();
    const start = performance.now();
    replies.push(await side.run(query));
    coldsMs.push(performance.now() - start);
  }
  side.dropCache();
  let coldLoads = 0;
  const afterCold = () => {
    coldLoads = side.cacheState()?.loads ?? 0;
  };
  const timings = await measure(sampler, runs, () => side.run(query), replies, afterCold);
  coldsMs.push(timings.coldMs);
  const answer = checkedAnswer(
    query.name,
    replies.map((r) => answerOfReply(query.kind, r)),
  );
  const state = side.cacheState();
  const cache =
    state === null
      ? undefined
      : { mib: state.bytes / 2 ** 20, coldLoads, warmLoads: state.loads - coldLoads };
  return { name: query.name, pending: false, answer, cache, ...timings, coldMs: median(coldsMs), coldsMs };
}

async function tallyReport(task: ChildTask, sampler: RssSampler): Promise<SideReport> {
  const started = performance.now();
  const side: TallySide =
    task.side === "reference"
      ? referenceSide(inMemoryDataset(task.config))
      : await engineSide(
          task.dir.storeDir,
          rangeOf(task.config).to,
          mibBytes(task.cacheMib),
          task.side === "engine-workers" ? task.workers : 0,
        );
  const loadMs = performance.now() - started;
  const rssAfterLoadMib = rssMib();
  const queries: QueryFigures[] = [];
  for (const query of benchQueries(task.config)) {
    if (!side.answers(query)) {
      queries.push({ name: query.name, pending: true, answer: null });
      continue;
    }
    queries.push(await measureTally(side, query, sampler, task.runs, task.colds));
  }
  await side.close();
  const notes = task.side === "engine-workers" ? [`${task.workers} scan workers`] : [];
  return { side: task.side, loadMs, rssAfterLoadMib, notes, queries, maxRssMib: maxRssMib() };
}

async function duckdbReport(task: ChildTask, sampler: RssSampler): Promise<SideReport> {
  const started = performance.now();
  const ids = usersOf(task.config).ids;
  const db = await DuckDbSide.load(readColumnFiles(task.dir.columnsDir, task.config.events, 65_536), ids);
  const loadMs = performance.now() - started;
  const rssAfterLoadMib = rssMib();
  const notes = [
    `threads ${await db.threads()}`,
    `duckdb_memory() after load ${((await db.memoryBytes()) / 2 ** 20).toFixed(0)} MiB`,
  ];
  const range = rangeOf(task.config);
  const queries: QueryFigures[] = [];
  for (const query of benchQueries(task.config)) {
    const rows: Awaited<ReturnType<DuckDbSide["rows"]>>[] = [];
    const timings = await measure(sampler, task.runs, () => db.rows(query.sql), rows);
    const answer = checkedAnswer(
      query.name,
      rows.map((r) => answerOfRows(query, r, range)),
    );
    queries.push({ name: query.name, pending: false, answer, ...timings });
  }
  notes.push(`duckdb_memory() after the queries ${((await db.memoryBytes()) / 2 ** 20).toFixed(0)} MiB`);
  db.close();
  return { side: task.side, loadMs, rssAfterLoadMib, notes, queries, maxRssMib: maxRssMib() };
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]) as ChildTask;
  const sampler = new RssSampler();
  try {
    const report =
      task.side === "duckdb" ? await duckdbReport(task, sampler) : await tallyReport(task, sampler);
    process.send!(report);
  } finally {
    await sampler.stop();
  }
}

await main();
