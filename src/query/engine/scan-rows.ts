// The hot loops of a scan, per batch: which rows it keeps (live rows of the wanted events inside
// the span) and what each kept row gets (bucket, event number, user). Typed arrays only, no
// closures per row; the arrays are reused from batch to batch.

import type { BucketCursor } from "./bucket-cursor.js";
import { type DeadRows, dropDead } from "./dead-rows.js";
import type { ScanBatch } from "./scan-batch.js";

/** A batch that has rows of the query's events, with what the scan reads of it. */
export interface PlannedBatch {
  readonly batch: ScanBatch;
  readonly dead: DeadRows;
  /** Per code of the batch's events dictionary, the query's event number (-1: not wanted). */
  readonly eventNumbers: Int32Array;
  /** Per code of the batch's distinct-id dictionary, the query's user; null when users were not asked for. */
  users: Int32Array | null;
}

/** Whether a batch's events table (code → the query's event number) has any wanted event. */
export function hasWanted(table: Int32Array): boolean {
  for (let c = 0; c < table.length; c++) if (table[c] >= 0) return true;
  return false;
}

/** The one code of a batch's events dictionary that the query wants, or -1 when it wants several. */
export function onlyCode(table: Int32Array): number {
  let only = -1;
  for (let c = 0; c < table.length; c++) {
    if (table[c] < 0) continue;
    if (only >= 0) return -1;
    only = c;
  }
  return only;
}

/** Whether the query wants every event of the batch (retention's returns, the events endpoint). */
function everyCode(table: Int32Array): boolean {
  for (let c = 0; c < table.length; c++) if (table[c] < 0) return false;
  return true;
}

/** Hot path: a batch inside the span whose every event is wanted keeps every row. */
function allRows(length: number, rows: Uint32Array): number {
  for (let i = 0; i < length; i++) rows[i] = i;
  return length;
}

/** Writes the live rows of wanted events inside [start, end) to `rows`, ascending; returns how many. */
export function keptRows(p: PlannedBatch, start: number, end: number, rows: Uint32Array): number {
  const n = rowsInSpan(p, start, end, rows);
  return p.dead === null ? n : dropDead(rows, n, p.dead);
}

/** The rows of wanted events inside [start, end), dead or alive. */
function rowsInSpan(p: PlannedBatch, start: number, end: number, rows: Uint32Array): number {
  const [least, greatest] = p.batch.timeRange();
  const inside = least >= start && greatest < end;
  const code = onlyCode(p.eventNumbers);
  if (code >= 0) {
    const index = p.batch.eventRows();
    const from = index.starts[code];
    const to = index.starts[code + 1];
    // Inside the span the event's slice is the answer: a copy, with no row's time to read.
    if (inside) {
      rows.set(index.rows.subarray(from, to));
      return to - from;
    }
    return rowsOfOneEvent(index.rows, from, to, p, start, end, rows);
  }
  if (!inside) return rowsOfEvents(p, start, end, rows);
  return everyCode(p.eventNumbers) ? allRows(p.batch.length, rows) : rowsOfEventsInside(p, rows);
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
  let n = 0;
  for (let k = from; k < to; k++) {
    const i = index[k];
    const t = time[i];
    if (t >= start && t < end) rows[n++] = i;
  }
  return n;
}

/**
 * Hot path: every row of a batch inside the span, tested against the table of wanted events.
 * Branch-free, as wanted and unwanted rows alternate unpredictably: each row is written, and the
 * count moves past it only when its event is wanted (event codes are never -1: every event has a
 * name).
 */
function rowsOfEventsInside(p: PlannedBatch, rows: Uint32Array): number {
  const codes = p.batch.events.codes;
  const table = p.eventNumbers;
  let n = 0;
  for (let i = 0; i < codes.length; i++) {
    rows[n] = i;
    n += (table[codes[i]] >>> 31) ^ 1;
  }
  return n;
}

/** Hot path: every row, tested against the table of wanted events and the span. */
function rowsOfEvents(p: PlannedBatch, start: number, end: number, rows: Uint32Array): number {
  const codes = p.batch.events.codes;
  const time = p.batch.time;
  const table = p.eventNumbers;
  let n = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 0 || table[c] < 0) continue;
    const t = time[i];
    if (t >= start && t < end) rows[n++] = i;
  }
  return n;
}

/** Hot path: the bucket, event number and user of each kept row. */
export function describe(
  p: PlannedBatch,
  count: number,
  scratch: Scratch,
  cursor: BucketCursor,
  only: number,
): void {
  const { rows, buckets, events, users } = scratch;
  const time = p.batch.time;
  const codes = p.batch.events.codes;
  const table = p.eventNumbers;
  if (only >= 0) buckets.fill(only, 0, count);
  else for (let k = 0; k < count; k++) buckets[k] = cursor.bucketOf(time[rows[k]]);
  for (let k = 0; k < count; k++) events[k] = table[codes[rows[k]]];
  const byCode = p.users;
  if (byCode === null) return;
  const ids = p.batch.distinctIds.codes;
  for (let k = 0; k < count; k++) {
    const c = ids[rows[k]];
    users[k] = c < 0 ? -1 : byCode[c];
  }
}

/** Row-sized arrays reused from batch to batch. */
export class Scratch {
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

  arrays(): { rows: Uint32Array; buckets: Int32Array; events: Int32Array; users: Int32Array } {
    return { rows: this.rows, buckets: this.buckets, events: this.events, users: this.users };
  }
}
