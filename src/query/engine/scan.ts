// The engine's core: one pass over the partitions a query's span touches. Per batch it drops dead
// (duplicate) rows, rows of other events and rows outside the span with a typed-array loop, runs
// the compiled `where` over the survivors, and hands the kept rows — with their bucket, event
// number and user — to the endpoint's sink. Between batches it lets the event loop turn and stops
// when the query's signal is aborted. Per-user scans (funnels, retention) use the same
// pass: rows come grouped by stored id and in time order within each batch.

import { type CompiledExpr, compile } from "../../expr/compile.js";
import type { EvalContext } from "../../expr/value.js";
import type { PartitionSnapshot } from "../../store/event-store.js";
import { Pacer } from "../../util/pacer.js";
import type { Expression } from "../params.js";
import { formatDay, localDay, type TimeBuckets } from "../time-buckets.js";
import { BucketCursor } from "./bucket-cursor.js";
import { deadRows } from "./dedup.js";
import { type EngineLimits, limitsOf, QueryLimitError } from "./limits.js";
import { prefetch, type ScanReads } from "./prefetch.js";
import type { QueryEvents } from "./query-events.js";
import { QueryUsers } from "./query-users.js";
import { ScanBatch, type ScanContext } from "./scan-batch.js";
import { describe, hasWanted, keptRows, type PlannedBatch, Scratch } from "./scan-rows.js";
import type { QuerySource } from "./source.js";

export interface ScanRequest {
  /** Rows outside `buckets.span` are skipped; the others get their bucket's index. */
  readonly buckets: TimeBuckets;
  readonly events: QueryEvents;
  readonly where: Expression | undefined;
  /** Whether sinks need each row's user (unique, average, per-user scans). */
  readonly users: boolean;
  /** Numbers the users; passing one to several scans of a query makes them agree. A new one otherwise. */
  readonly queryUsers?: QueryUsers;
  /**
   * false: the sink reads `rows`, `bucket` and `userOfCode` only, so the scan leaves `buckets`,
   * `events` and `users` unfilled — a sink that works per run of a stored id saves a pass per row.
   */
  readonly perRow?: boolean;
  /** What the sink reads beyond the scan's own needs: a cold query with scan workers decodes it ahead. */
  readonly reads?: ScanReads;
}

/** The rows of one batch that a query keeps, in row order. Arrays are reused: read them in `take`. */
export interface KeptRows {
  readonly batch: ScanBatch;
  readonly count: number;
  readonly rows: Uint32Array;
  /** The bucket of every row of the batch when they share one (a day in a bucket of a day or more), else -1. */
  readonly bucket: number;
  readonly buckets: Int32Array;
  /** The query's number of each row's event (QueryEvents). */
  readonly events: Int32Array;
  /** The query's number of each row's user, -1 for nobody; only when the request asked for users. */
  readonly users: Int32Array;
  /** Per code of the batch's distinct-id dictionary, the query's number of its user (-1: nobody); null when users were not asked for. */
  readonly userOfCode: Int32Array | null;
}

export interface RowSink {
  /** Before the first batch, with how many users the query meets (0 when users were not asked for). */
  begin(users: number): void;
  take(kept: KeptRows): void;
  /**
   * The sink evaluates an expression per row (`on`, a step's selector), and its work is per row, so
   * it may be given one batch's kept rows in several calls, in order. The scan then hands them over
   * in chunks with the pacer between, as it filters `where`: one row may cost milliseconds, and a
   * batch holds up to a million. Such a sink binds once per batch (PerBatch), not once per call.
   */
  readonly takesChunks?: boolean;
}

export function evalContextOf(source: QuerySource): EvalContext {
  return { now: source.now, timeZone: source.timeZone };
}

const scanContexts = new WeakMap<QuerySource, ScanContext>();

/** What every batch of a query shares; the same for every scan of one source, so they agree on users. */
export function scanContextOf(source: QuerySource): ScanContext {
  let ctx = scanContexts.get(source);
  if (ctx === undefined) {
    ctx = {
      cache: source.cache,
      aliases: source.aliases,
      identity: source.cache.identity(source.aliases),
      profiles: source.profiles,
      timeZone: source.timeZone,
    };
    scanContexts.set(source, ctx);
  }
  return ctx;
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
    if (source.workers !== undefined)
      await prefetch(source.workers, snapshot.partitions, request, source.cache, source.signal);
    const pacer = new Pacer(source.signal);
    const planned = await plan(snapshot.partitions, request, scanContextOf(source), limits, pacer);
    const users = request.queryUsers ?? new QueryUsers();
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
    const kept = where === undefined ? count : await filterPaced(where, p.batch, scratch.rows, count, pacer);
    if (kept === 0) continue;
    const [least, greatest] = p.batch.timeRange();
    const bucket = cursor.bucketOver(least, greatest);
    if (request.perRow !== false) describe(p, kept, scratch, cursor, bucket);
    const rows: KeptRows = { batch: p.batch, count: kept, bucket, userOfCode: p.users, ...scratch.arrays() };
    if (sink.takesChunks === true) await takePaced(sink, rows, pacer);
    else sink.take(rows);
  }
}

/**
 * Expressions run over a batch a chunk of rows at a time, with a check of the pacer between chunks.
 * A sealed batch holds up to a million rows, and an expression may cost milliseconds a row (64 KiB
 * of string work, quantifiers at their budget): run over it whole, one batch could hold the thread
 * for minutes past the query's timeout. Chunks start at one row (a row may cost seconds) and double
 * while one takes under a millisecond, so an ordinary expression soon runs in chunks too large for
 * the checks to cost anything.
 */
const MAX_CHUNK_ROWS = 1 << 20;

/** Calls `work(from, n)` over rows 0 … count − 1 in growing chunks, the pacer between them. */
async function inChunks(count: number, pacer: Pacer, work: (from: number, n: number) => void): Promise<void> {
  let size = 1;
  for (let from = 0; from < count; ) {
    if (from > 0) await pacer.pause();
    const n = Math.min(size, count - from);
    const started = performance.now();
    work(from, n);
    from += n;
    if (performance.now() - started < 1) size = Math.min(2 * size, MAX_CHUNK_ROWS);
  }
}

/** `where.filterSelection` over the first `count` of `rows`, in place, a chunk at a time. */
async function filterPaced(
  where: CompiledExpr,
  batch: ScanBatch,
  rows: Uint32Array,
  count: number,
  pacer: Pacer,
): Promise<number> {
  const bound = where.bind(batch);
  let kept = 0;
  // In place: what is kept is written at or before what is read.
  await inChunks(count, pacer, (from, n) => {
    kept += bound.filterSelection(rows.subarray(from, from + n), n, rows.subarray(kept));
  });
  return kept;
}

/** Hands a batch's kept rows to the sink a chunk at a time. */
function takePaced(sink: RowSink, kept: KeptRows, pacer: Pacer): Promise<void> {
  return inChunks(kept.count, pacer, (from, n) => {
    const to = from + n;
    sink.take({
      ...kept,
      count: n,
      rows: kept.rows.subarray(from, to),
      buckets: kept.buckets.subarray(from, to),
      events: kept.events.subarray(from, to),
      users: kept.users.subarray(from, to),
    });
  });
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
    // Deduplication reads distinct ids too: put in the cache first, they are decoded once.
    if (request.users) for (let i = 0; i < batches.length; i++) if (hasWanted(tables[i])) batches[i].users();
    const dead = deadRows(batches, ctx.cache);
    batches.forEach((batch, i) => {
      if (hasWanted(tables[i])) planned.push({ batch, dead: dead[i], eventNumbers: tables[i], users: null });
    });
  }
  return planned;
}
