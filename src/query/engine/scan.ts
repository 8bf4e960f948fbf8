// The engine's core: one pass over the partitions a query's span touches. Per batch it drops dead
// (duplicate) rows, rows of other events and rows outside the span with a typed-array loop, runs
// the compiled `where` over the survivors, and hands the kept rows — with their bucket, event
// number and user — to the endpoint's sink. Between batches it lets the event loop turn and stops
// when the query's signal is aborted. Per-user scans (funnels, retention) use the same
// pass: rows come grouped by stored id and in time order within each batch.

import { type CompiledExpr, compile } from "../../expr/compile.js";
import type { EvalContext } from "../../expr/value.js";
import type { PartitionSnapshot } from "../../store/event-store.js";
import type { Expression } from "../params.js";
import { formatDay, localDay, type TimeBuckets } from "../time-buckets.js";
import { BucketCursor } from "./bucket-cursor.js";
import { deadRows } from "./dedup.js";
import { type EngineLimits, limitsOf, QueryLimitError } from "./limits.js";
import { Pacer } from "./pacer.js";
import type { QueryEvents } from "./query-events.js";
import { QueryUsers } from "./query-users.js";
import { ScanBatch, type ScanContext } from "./scan-batch.js";
import type { QuerySource } from "./source.js";

export interface ScanRequest {
  /** Rows outside `buckets.span` are skipped; the others get their bucket's index. */
  readonly buckets: TimeBuckets;
  readonly events: QueryEvents;
  readonly where: Expression | undefined;
  /** Whether sinks need each row's user (unique, average, per-user scans). */
  readonly users: boolean;
}

/** The rows of one batch that a query keeps, in row order. Arrays are reused: read them in `take`. */
export interface KeptRows {
  readonly batch: ScanBatch;
  readonly count: number;
  readonly rows: Uint32Array;
  readonly buckets: Int32Array;
  /** The query's number of each row's event (QueryEvents). */
  readonly events: Int32Array;
  /** The query's number of each row's user, -1 for nobody; only when the request asked for users. */
  readonly users: Int32Array;
}

export interface RowSink {
  /** Before the first batch, with how many users the query meets (0 when users were not asked for). */
  begin(users: number): void;
  take(kept: KeptRows): void;
}

/** A batch that has rows of the query's events, with what the scan reads of it. */
interface PlannedBatch {
  readonly batch: ScanBatch;
  readonly dead: Uint8Array | null;
  readonly eventNumbers: Int32Array;
  users: Int32Array | null;
}

export function evalContextOf(source: QuerySource): EvalContext {
  return { now: source.now, timeZone: source.timeZone };
}

export function scanContextOf(source: QuerySource): ScanContext {
  return {
    cache: source.cache,
    aliases: source.aliases,
    aliasSerial: source.cache.aliasSerial(source.aliases),
    numbering: source.cache.numbering(source.aliases),
    profiles: source.profiles,
    timeZone: source.timeZone,
  };
}

export async function scan(source: QuerySource, request: ScanRequest, sink: RowSink): Promise<void> {
  const span = request.buckets.span;
  if (!(span.end > span.start)) {
    sink.begin(0);
    return;
  }
  const limits = limitsOf(source.limits);
  const fromDay = formatDay(localDay(span.start, source.timeZone));
  const toDay = formatDay(localDay(Math.ceil(span.end) - 1, source.timeZone));
  const snapshot = source.snapshot(fromDay, toDay);
  try {
    const pacer = new Pacer(source.signal);
    const planned = await plan(snapshot.partitions, request, scanContextOf(source), limits, pacer);
    const users = new QueryUsers();
    if (request.users) for (const p of planned) p.users = users.localNumbers(p.batch.users());
    sink.begin(users.count);
    const where =
      request.where === undefined ? undefined : compile(request.where.node, evalContextOf(source));
    await scanPlanned(planned, request, where, sink, pacer);
  } finally {
    snapshot.release();
  }
}

/** Keeps each batch's rows that pass the span, the events and `where`, and hands them to the sink. */
async function scanPlanned(
  planned: readonly PlannedBatch[],
  request: ScanRequest,
  where: CompiledExpr | undefined,
  sink: RowSink,
  pacer: Pacer,
): Promise<void> {
  const { start, end } = request.buckets.span;
  const scratch = new Scratch();
  const cursor = new BucketCursor(request.buckets);
  for (const p of planned) {
    await pacer.pause();
    const count = keptRows(p, start, end, scratch.reserve(p.batch.length));
    if (count === 0) continue;
    const kept =
      where === undefined ? count : where.bind(p.batch).filterSelection(scratch.rows, count, scratch.rows);
    if (kept === 0) continue;
    describe(p, kept, scratch, cursor);
    sink.take({ batch: p.batch, count: kept, ...scratch.arrays() });
  }
}

/** Wraps the batches, drops those without a wanted event, and marks duplicates per partition. */
async function plan(
  partitions: readonly PartitionSnapshot[],
  request: ScanRequest,
  ctx: ScanContext,
  limits: EngineLimits,
  pacer: Pacer,
): Promise<PlannedBatch[]> {
  let total = 0;
  for (const p of partitions) total += p.batches.length;
  if (total > limits.maxBatches) {
    throw new QueryLimitError(
      "maxBatches",
      `the range holds ${total.toLocaleString("en-US")} segments; at most ${limits.maxBatches.toLocaleString("en-US")} are scanned by one query`,
    );
  }
  const planned: PlannedBatch[] = [];
  for (const partition of partitions) {
    await pacer.pause();
    const batches = partition.batches.map((b) => new ScanBatch(b, ctx));
    const tables = batches.map((b) => request.events.table(b.events.dictionary));
    if (!tables.some(hasWanted)) continue;
    const dead = deadRows(batches, ctx.cache);
    batches.forEach((batch, i) => {
      if (hasWanted(tables[i])) planned.push({ batch, dead: dead[i], eventNumbers: tables[i], users: null });
    });
  }
  return planned;
}

function hasWanted(table: Int32Array): boolean {
  for (let c = 0; c < table.length; c++) if (table[c] >= 0) return true;
  return false;
}

/** The one code of a batch's events dictionary that the query wants, or -1 when it wants several. */
function onlyCode(table: Int32Array): number {
  let only = -1;
  for (let c = 0; c < table.length; c++) {
    if (table[c] < 0) continue;
    if (only >= 0) return -1;
    only = c;
  }
  return only;
}

/** Writes the live rows of wanted events inside [start, end) to `rows`, ascending; returns how many. */
function keptRows(p: PlannedBatch, start: number, end: number, rows: Uint32Array): number {
  const [least, greatest] = p.batch.timeRange();
  const inside = least >= start && greatest < end;
  const code = onlyCode(p.eventNumbers);
  if (code >= 0) {
    const index = p.batch.eventRows();
    return rowsOfOneEvent(
      index.rows,
      index.starts[code],
      index.starts[code + 1],
      p,
      inside ? Number.NEGATIVE_INFINITY : start,
      inside ? Number.POSITIVE_INFINITY : end,
      rows,
    );
  }
  return rowsOfEvents(p, start, end, rows);
}

/** Hot path: one event's rows, from its slice of the event index. */
function rowsOfOneEvent(
  index: Int32Array,
  from: number,
  to: number,
  p: PlannedBatch,
  start: number,
  end: number,
  rows: Uint32Array,
): number {
  const time = p.batch.time;
  const dead = p.dead;
  let n = 0;
  for (let k = from; k < to; k++) {
    const i = index[k];
    if (dead !== null && dead[i] === 1) continue;
    const t = time[i];
    if (t >= start && t < end) rows[n++] = i;
  }
  return n;
}

/** Hot path: every row, tested against the table of wanted events. */
function rowsOfEvents(p: PlannedBatch, start: number, end: number, rows: Uint32Array): number {
  const codes = p.batch.events.codes;
  const time = p.batch.time;
  const table = p.eventNumbers;
  const dead = p.dead;
  let n = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 0 || table[c] < 0) continue;
    if (dead !== null && dead[i] === 1) continue;
    const t = time[i];
    if (t >= start && t < end) rows[n++] = i;
  }
  return n;
}

/** Hot path: the bucket, event number and user of each kept row. */
function describe(p: PlannedBatch, count: number, scratch: Scratch, cursor: BucketCursor): void {
  const { rows, buckets, events, users } = scratch;
  const time = p.batch.time;
  const codes = p.batch.events.codes;
  const table = p.eventNumbers;
  for (let k = 0; k < count; k++) {
    const i = rows[k];
    buckets[k] = cursor.bucketOf(time[i]);
    events[k] = table[codes[i]];
  }
  const byCode = p.users;
  if (byCode === null) return;
  const ids = p.batch.distinctIds.codes;
  for (let k = 0; k < count; k++) {
    const c = ids[rows[k]];
    users[k] = c < 0 ? -1 : byCode[c];
  }
}

/** Row-sized arrays reused from batch to batch. */
class Scratch {
  rows = new Uint32Array(0);
  buckets = new Int32Array(0);
  events = new Int32Array(0);
  users = new Int32Array(0);

  reserve(length: number): Uint32Array {
    if (this.rows.length < length) {
      this.rows = new Uint32Array(length);
      this.buckets = new Int32Array(length);
      this.events = new Int32Array(length);
      this.users = new Int32Array(length);
    }
    return this.rows;
  }

  arrays(): Pick<KeptRows, "rows" | "buckets" | "events" | "users"> {
    return { rows: this.rows, buckets: this.buckets, events: this.events, users: this.users };
  }
}
