// Raw events straight off the store: `export` (every stored copy, streamed) and `stream/query` (a
// few users' activity, deduplicated). Both go day by day — the store's partitions — so memory is
// bounded by one day's matching rows, and each day comes out in time order (ties in ingestion
// order), as the reference (reference/raw-events.ts) defines.

import type { ColumnBatch, PropertyColumn } from "../expr/columns.js";
import { compile } from "../expr/compile.js";
import { readMember } from "../expr/runtime.js";
import type { EvalContext, JsonObject, Value } from "../expr/value.js";
import { type EventBatch, type StoredEvent, SystemProperty } from "../store/stored-event.js";
import { codedColumn, sentDistinctIds } from "../store/system-columns.js";
import { codedValueColumn } from "./engine/coded-column.js";
import { canonicalUser } from "./engine/identity.js";
import type { ProfileLookup } from "./engine/source.js";
import type { Expression } from "./params-read.js";

/** What the raw-event readers need of the store: one day's batches at a time, in day order. */
export interface DayBatches {
  readonly day: string;
  readonly batches: readonly EventBatch[];
}

export interface RawEventFilter {
  /** Only these event names, when given. */
  readonly events?: readonly string[];
  readonly where?: Expression;
  /** Rows of these stored distinct ids only, when given. */
  readonly distinctIds?: ReadonlySet<string>;
  /** What `user[…]` in `where` reads; without it every `user[…]` is undefined. */
  readonly users?: UserProfiles;
}

/** A row's profile: its stored id through the alias map at query time, then the canonical user's profile. */
export interface UserProfiles {
  readonly aliases: ReadonlyMap<string, string>;
  readonly profileOf: ProfileLookup;
}

/** One row of one batch that passed the filter. */
interface Hit {
  readonly batch: EventBatch;
  readonly row: number;
  readonly time: number;
  readonly offset: number;
}

/** A 0/1 table over a dictionary: which codes name a wanted string. */
function codeTable(
  dictionary: readonly string[],
  wanted: ReadonlySet<string> | undefined,
): Uint8Array | undefined {
  if (wanted === undefined) return undefined;
  const table = new Uint8Array(dictionary.length);
  for (let c = 0; c < dictionary.length; c++) table[c] = wanted.has(dictionary[c]) ? 1 : 0;
  return table;
}

function keepCodes(rows: Uint32Array, n: number, codes: Int32Array, table: Uint8Array): number {
  let kept = 0;
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    const c = codes[i];
    if (c >= 0 && table[c] === 1) rows[kept++] = i;
  }
  return kept;
}

/** The rows of one day that pass the filter, sorted by (time, offset). */
export function matchingRows(day: DayBatches, filter: RawEventFilter, ctx: EvalContext): Hit[] {
  const where = filter.where === undefined ? undefined : compile(filter.where.node, ctx);
  const names = filter.events === undefined ? undefined : new Set(filter.events);
  const users = filter.users === undefined ? undefined : onceADay(filter.users);
  const hits: Hit[] = [];
  for (const batch of day.batches) {
    const rows = new Uint32Array(batch.length);
    let n = where === undefined ? fillAll(rows) : where.bind(asSent(batch, users)).filter(rows);
    const eventTable = codeTable(batch.events.dictionary, names);
    if (eventTable !== undefined) n = keepCodes(rows, n, batch.events.codes, eventTable);
    const idTable = codeTable(batch.distinctIds.dictionary, filter.distinctIds);
    if (idTable !== undefined) n = keepCodes(rows, n, batch.distinctIds.codes, idTable);
    for (let k = 0; k < n; k++) {
      const i = rows[k];
      hits.push({ batch, row: i, time: batch.time[i], offset: batch.offsets[i] });
    }
  }
  return hits.sort((a, b) => a.time - b.time || a.offset - b.offset);
}

/**
 * The batch as a `where` reads it: `distinct_id` as the event was sent, the id every other endpoint's
 * expressions see (the stored column holds the id ingestion resolved it to), and `user[…]` from the
 * profile of the row's user at query time, as the engine reads it.
 */
function asSent(batch: EventBatch, users: UserProfiles | undefined): ColumnBatch {
  return {
    length: batch.length,
    time: batch.time,
    property: (name) =>
      name === SystemProperty.DistinctId
        ? codedColumn(sentDistinctIds(batch.distinctIds, batch.originalDistinctIds))
        : batch.property(name),
    userProperty: (name) => (users === undefined ? undefined : profileColumn(batch, name, users)),
  };
}

/** The same profiles, each read once: a day's batches share their users, and let go with the day. */
function onceADay(users: UserProfiles): UserProfiles {
  const read = new Map<string, JsonObject | undefined>();
  const profileOf = (user: string) => {
    if (!read.has(user)) read.set(user, users.profileOf(user));
    return read.get(user);
  };
  return { aliases: users.aliases, profileOf };
}

/** `user[name]` for every row, worked out once per stored id of the batch. */
function profileColumn(batch: EventBatch, name: string, users: UserProfiles): PropertyColumn | undefined {
  const ids = batch.distinctIds.dictionary;
  const values: Value[] = new Array(ids.length);
  for (let c = 0; c < ids.length; c++) {
    const user = canonicalUser(ids[c], users.aliases);
    values[c] = user === null ? undefined : readMember(users.profileOf(user), name);
  }
  return codedValueColumn(batch.distinctIds.codes, values);
}

function fillAll(rows: Uint32Array): number {
  for (let i = 0; i < rows.length; i++) rows[i] = i;
  return rows.length;
}

/**
 * An event as export gives it back: `time` first, then the system fields, then every other property
 * in the order it was sent. The distinct id is the one sent, not the one ingestion filed the event
 * under, and nothing is added (spec/ingestion.md: the server adds nothing to `properties` but `ip`,
 * `time` and `$insert_id`): an export imported elsewhere resolves its ids there as they were sent.
 * Spread copies `__proto__` as an own data key, never a prototype.
 */
export function exportRecord(stored: StoredEvent, timeInMs: boolean): { event: string; properties: Value } {
  const properties = {
    time: timeInMs ? Math.round(stored.time * 1000) : Math.floor(stored.time),
    distinct_id: stored.originalDistinctId ?? stored.distinctId,
    ...(stored.insertId === null ? {} : { $insert_id: stored.insertId }),
    ...stored.properties,
  };
  return { event: stored.event, properties };
}

/** Keeps the latest ingested copy of events that share (event, distinct_id as sent, second, $insert_id). */
export function dedupLatest(events: readonly StoredEvent[]): StoredEvent[] {
  const latest = new Map<string, StoredEvent>();
  const out: (StoredEvent | undefined)[] = [];
  const slot = new Map<string, number>();
  for (const e of events) {
    if (e.insertId === null) {
      out.push(e);
      continue;
    }
    const key = JSON.stringify([
      e.event,
      e.originalDistinctId ?? e.distinctId,
      Math.floor(e.time),
      e.insertId,
    ]);
    const seen = latest.get(key);
    if (seen === undefined) {
      slot.set(key, out.length);
      out.push(e);
      latest.set(key, e);
    } else if (e.offset > seen.offset) {
      out[slot.get(key)!] = undefined;
      slot.set(key, out.length);
      out.push(e);
      latest.set(key, e);
    }
  }
  return out.filter((e): e is StoredEvent => e !== undefined);
}

/** The filtered events of the days given, in order, at most `limit` of them. */
export async function* rawEvents(
  days: AsyncIterable<DayBatches>,
  filter: RawEventFilter,
  ctx: EvalContext,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<StoredEvent> {
  let left = limit;
  for await (const day of days) {
    for (const hit of matchingRows(day, filter, ctx)) {
      if (left-- <= 0) return;
      yield hit.batch.row(hit.row);
    }
  }
}
