// The baseline: DuckDB in memory, the benchmark's events in one typed table loaded through an
// appender (a data chunk of 2,048 rows at a time), and the SQL of query-queries.ts read back into
// the benchmark's answer shapes.

import {
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBValue,
  INTEGER,
  VARCHAR,
} from "@duckdb/node-api";
import { type Answer, dayLabel, type FunnelDate, rangeDays, rangeWeeks } from "./query-answers.js";
import type { ColumnChunk } from "./query-columns.js";
import { EVENT_NAMES } from "./query-generate.js";
import { type BenchQuery, FUNNEL_STEPS, type QueryRange, RETENTION_WEEKS } from "./query-queries.js";
import { COUNTRIES, PLANS } from "./synthetic-stream.js";

const TABLE = `CREATE TABLE events (
  event VARCHAR, distinct_id VARCHAR, time DOUBLE, off INTEGER, country VARCHAR, plan VARCHAR, amount DOUBLE)`;
const TYPES = [VARCHAR, VARCHAR, DOUBLE, INTEGER, VARCHAR, VARCHAR, DOUBLE];
const VECTOR = 2048;

export type Row = Record<string, unknown>;

/** The table's columns for rows `at` … `at + n` of a chunk. */
function chunkColumns(c: ColumnChunk, ids: readonly string[], at: number, n: number): DuckDBValue[][] {
  const cols: DuckDBValue[][] = TYPES.map(() => new Array(n));
  for (let i = 0; i < n; i++) {
    const r = at + i;
    cols[0][i] = EVENT_NAMES[c.event[r]];
    cols[1][i] = ids[c.user[r]];
    cols[2][i] = c.time[r];
    cols[3][i] = c.firstOffset + r;
    cols[4][i] = COUNTRIES[c.country[r]];
    cols[5][i] = c.plan[r] < PLANS.length ? PLANS[c.plan[r]] : null;
    cols[6][i] = Number.isNaN(c.amount[r]) ? null : c.amount[r];
  }
  return cols;
}

export class DuckDbSide {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** A fresh in-memory database holding `chunks` (user ids by index in `ids`). */
  static async load(chunks: Iterable<ColumnChunk>, ids: readonly string[]): Promise<DuckDbSide> {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run(TABLE);
    const appender = await connection.createAppender("events");
    const data = DuckDBDataChunk.create(TYPES);
    for (const chunk of chunks) {
      for (let at = 0; at < chunk.length; at += VECTOR) {
        const n = Math.min(VECTOR, chunk.length - at);
        data.reset();
        data.rowCount = n;
        data.setColumns(chunkColumns(chunk, ids, at, n));
        appender.appendDataChunk(data);
      }
    }
    appender.closeSync();
    return new DuckDbSide(instance, connection);
  }

  async rows(sql: string): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Row[];
  }

  /** Bytes DuckDB's buffer manager holds (duckdb_memory()), the table included. */
  async memoryBytes(): Promise<number> {
    const [row] = await this.rows("SELECT sum(memory_usage_bytes) AS bytes FROM duckdb_memory()");
    return Number(row.bytes);
  }

  async threads(): Promise<number> {
    const [row] = await this.rows("SELECT current_setting('threads') AS threads");
    return Number(row.threads);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** The rows of a query's SQL as the benchmark's answer. */
export function answerOfRows(query: BenchQuery, rows: readonly Row[], range: QueryRange): Answer {
  if (query.kind === "series") return seriesAnswer(rows, range);
  if (query.kind === "funnel") return funnelAnswer(rows, range);
  return retentionAnswer(rows, range);
}

/** Where a day number falls in `dates`; a row outside the range is a bug in the SQL. */
function dateIndex(dates: readonly string[], day: unknown): number {
  const i = dates.indexOf(dayLabel(Number(day)));
  if (i < 0) throw new Error(`DuckDB answered for day ${dayLabel(Number(day))}, outside the range`);
  return i;
}

function seriesAnswer(rows: readonly Row[], range: QueryRange): Answer {
  const dates = rangeDays(range);
  const values: Record<string, number[]> = Object.create(null);
  for (const r of rows) {
    const segment = String(r.segment);
    values[segment] ??= dates.map(() => 0);
    values[segment][dateIndex(dates, r.day)] = Number(r.n);
  }
  return { kind: "series", dates, values };
}

function rounded(x: unknown): number | null {
  return x === null ? null : Math.round(Number(x));
}

function funnelAnswer(rows: readonly Row[], range: QueryRange): Answer {
  const dates = rangeDays(range);
  const none = FUNNEL_STEPS.map(() => null);
  const byDate: FunnelDate[] = dates.map(() => ({
    counts: FUNNEL_STEPS.map(() => 0),
    avgTime: none,
    avgFromStart: none,
  }));
  for (const r of rows) {
    byDate[dateIndex(dates, r.day)] = {
      counts: [Number(r.c1), Number(r.c2), Number(r.c3)],
      avgTime: [null, rounded(r.time2), rounded(r.time3)],
      avgFromStart: [null, rounded(r.time2), rounded(r.start3)],
    };
  }
  return { kind: "funnel", dates, byDate };
}

function retentionAnswer(rows: readonly Row[], range: QueryRange): Answer {
  const dates = rangeWeeks(range);
  const cohorts = dates.map(() => ({
    first: 0,
    counts: Array.from({ length: RETENTION_WEEKS + 1 }, () => 0),
  }));
  for (const r of rows) {
    const cohort = cohorts[dateIndex(dates, r.week)];
    const i = Number(r.i);
    if (i < 0) cohort.first = Number(r.n);
    else cohort.counts[i] = Number(r.n);
  }
  return { kind: "retention", dates, cohorts };
}
