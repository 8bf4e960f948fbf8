// The rows a per-user scan keeps (funnels and retention), gathered from every batch into flat typed
// columns and then laid out in each user's time order (ties by ingestion order). A batch is sorted
// by (stored id, time, offset), but one user's rows are spread over many batches and stored ids, so
// they are regrouped here: a stable counting sort by user that moves each row's record (time, mask,
// bucket, source) into place, so that the state machines then read memory in order; a user's
// records need sorting by time only when batches of one day overlap, which is checked per user.
//
// The arrays are large (tens of MB for 10 million events), and allocating that much per query
// makes V8 collect a heap that holds the column cache's dictionaries, which costs more than the
// query: so Timelines are borrowed from a small pool and their arrays reused from query to query.

import { RowMarks } from "./funnel-row-marks.js";
import { sortRows } from "./funnel-timeline-sort.js";
import type { QueryMemory } from "./query-memory.js";

/** A record in `UserOrder.records` is RECORD numbers: time, mask, bucket, source row. */
export const RECORD = 4;
export const TIME = 0;
export const MASK = 1;
export const BUCKET = 2;
export const SOURCE = 3;

/** User u's records, in time order, are number `starts[u]` … `starts[u + 1] - 1` of `records`. */
export interface UserOrder {
  readonly starts: Int32Array;
  readonly records: Float64Array;
}

/** What a row costs while a query holds it: its six columns, and its record and places in `order`. */
const ROW_BYTES = 72;

export class Timelines {
  length = 0;
  /** The query's account, and the rows it has been charged for. */
  private memory: QueryMemory | undefined;
  private chargedRows = 0;
  user = new Int32Array(1024);
  time = new Float64Array(1024);
  offset = new Float64Array(1024);
  /** What the row does, as bits the endpoint defines (funnel steps; born, returning). */
  mask = new Int32Array(1024);
  /** The row's bucket, as the endpoint defines it (-1: none that counts). */
  bucket = new Int32Array(1024);
  /** Where the row's segments start in a SegmentLists, -1 when it has none. */
  segmentsAt = new Int32Array(1024);
  /** Per-batch scratch of the sink that fills these timelines. */
  readonly marks = new RowMarks();
  private starts = new Int32Array(0);
  private records = new Float64Array(0);
  private slice = new Int32Array(0);
  private scratch = new Int32Array(0);

  get capacity(): number {
    return this.user.length;
  }

  /** Emptied for a new query, which is charged for the rows it keeps. */
  lend(memory: QueryMemory): void {
    this.length = 0;
    this.memory = memory;
    this.chargedRows = 0;
  }

  /** Makes room for `extra` more rows, so that a batch's rows can be written without checks. */
  reserve(extra: number): void {
    const rows = this.length + extra;
    if (rows > this.chargedRows) {
      this.memory?.charge((rows - this.chargedRows) * ROW_BYTES, "the rows of its users");
      this.chargedRows = rows;
    }
    if (rows <= this.user.length) return;
    let size = this.user.length * 2;
    while (size < this.length + extra) size *= 2;
    this.user = grownInt(this.user, size);
    this.time = grownFloat(this.time, size);
    this.offset = grownFloat(this.offset, size);
    this.mask = grownInt(this.mask, size);
    this.bucket = grownInt(this.bucket, size);
    this.segmentsAt = grownInt(this.segmentsAt, size);
  }

  /** Appends a row; `reserve` made room for it. */
  push(user: number, time: number, offset: number, mask: number, bucket: number, segmentsAt: number): void {
    const i = this.length++;
    this.user[i] = user;
    this.time[i] = time;
    this.offset[i] = offset;
    this.mask[i] = mask;
    this.bucket[i] = bucket;
    this.segmentsAt[i] = segmentsAt;
  }

  /** The rows by user (numbers below `users`), each user's in time-then-offset order. */
  order(users: number): UserOrder {
    const n = this.length;
    if (this.starts.length < users + 1) this.starts = new Int32Array(users + 1);
    if (this.records.length < n * RECORD) this.records = new Float64Array(this.user.length * RECORD);
    const starts = this.starts.subarray(0, users + 1);
    this.place(n, users, starts);
    for (let u = 0; u < users; u++) {
      if (!this.inOrder(starts[u], starts[u + 1])) this.sortUser(starts[u], starts[u + 1]);
    }
    return { starts, records: this.records };
  }

  /** Hot path: the counting sort, moving each row's record to its user's next place. */
  private place(n: number, users: number, starts: Int32Array): void {
    const { user, time, mask, bucket, records } = this;
    // Counts at u + 1, summed into the start of u, advanced to its end = the start of u + 1 while
    // placing, then shifted back.
    starts.fill(0);
    for (let i = 0; i < n; i++) starts[user[i] + 1]++;
    for (let u = 0; u < users; u++) starts[u + 1] += starts[u];
    for (let i = 0; i < n; i++) {
      const at = starts[user[i]]++ * RECORD;
      records[at + TIME] = time[i];
      records[at + MASK] = mask[i];
      records[at + BUCKET] = bucket[i];
      records[at + SOURCE] = i;
    }
    starts.copyWithin(1, 0, users);
    starts[0] = 0;
  }

  private inOrder(from: number, to: number): boolean {
    const { records, offset } = this;
    for (let j = from + 1; j < to; j++) {
      const t = records[j * RECORD + TIME];
      const before = records[(j - 1) * RECORD + TIME];
      if (t > before) continue;
      if (t < before) return false;
      if (offset[records[j * RECORD + SOURCE]] < offset[records[(j - 1) * RECORD + SOURCE]]) return false;
    }
    return true;
  }

  /** Sorts one user's records: their source rows by (time, offset), then the records rewritten. */
  private sortUser(from: number, to: number): void {
    const n = to - from;
    if (this.slice.length < n) {
      this.slice = new Int32Array(n * 2);
      this.scratch = new Int32Array(n * 2);
    }
    const { records, slice } = this;
    for (let k = 0; k < n; k++) slice[k] = records[(from + k) * RECORD + SOURCE];
    sortRows(slice, 0, n, this.time, this.offset, this.scratch);
    for (let k = 0; k < n; k++) {
      const i = slice[k];
      const at = (from + k) * RECORD;
      records[at + TIME] = this.time[i];
      records[at + MASK] = this.mask[i];
      records[at + BUCKET] = this.bucket[i];
      records[at + SOURCE] = i;
    }
  }
}

function grownInt(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(size);
  out.set(a);
  return out;
}

function grownFloat(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(size);
  out.set(a);
  return out;
}

const idle: Timelines[] = [];
/** Timelines kept between queries, and the most rows one may hold to be kept (about 64 bytes a row). */
const MAX_IDLE = 1;
const MAX_KEPT_ROWS = 1 << 22;

/**
 * Empty timelines for one query, charging `memory` for the rows it keeps; give them back with
 * `releaseTimelines` when the query is done.
 */
export function borrowTimelines(memory: QueryMemory): Timelines {
  const timelines = idle.pop() ?? new Timelines();
  timelines.lend(memory);
  return timelines;
}

export function releaseTimelines(timelines: Timelines): void {
  timelines.marks.forget();
  if (idle.length < MAX_IDLE && timelines.capacity <= MAX_KEPT_ROWS) idle.push(timelines);
}
