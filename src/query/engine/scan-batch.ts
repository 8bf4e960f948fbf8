// One batch as a query sees it: the store's batch behind the engine's cache. Columns of a sealed
// segment come from the cache when an earlier query decoded them (segments are immutable, so a
// path with its size and offsets names the content); a buffer snapshot keeps its own. It adds what
// the store does not hold: each row's user at query time, profile columns for `user["k"]`, and
// `properties["distinct_id"]` as the id was sent.

import type { ColumnBatch, PropertyColumn } from "../../expr/columns.js";
import { readMember } from "../../expr/runtime.js";
import type { Value } from "../../expr/value.js";
import { SegmentBatch } from "../../store/segment-batch.js";
import type { CodedStrings, EventBatch, KeyOrders } from "../../store/stored-event.js";
import { sentDistinctIds } from "../../store/system-columns.js";
import { codedValueColumn, columnBytes } from "./coded-column.js";
import type { EngineCache, Identity } from "./engine-cache.js";
import { type EventRows, eventRows, idRunEnds, timeRange } from "./event-rows.js";
import { stringBytes } from "./held-bytes.js";
import { userNumbers } from "./identity.js";
import type { ProfileLookup } from "./source.js";

/** What every batch of one query shares. */
export interface ScanContext {
  readonly cache: EngineCache;
  readonly aliases: ReadonlyMap<string, string>;
  /** The user numbering under `aliases`, and its serial for cache keys. */
  readonly identity: Identity;
  readonly profiles: ProfileLookup;
  readonly timeZone: string;
}

/** A cache key naming a sealed segment's content, or null for a buffer snapshot. */
export function sealedKey(batch: EventBatch): string | null {
  if (!(batch instanceof SegmentBatch)) return null;
  const { path, size, footer } = batch.file;
  return `${path}\u0000${size}:${footer.rows}:${footer.minOffset}:${footer.maxOffset}`;
}

function materialised(column: PropertyColumn | undefined): PropertyColumn | null {
  if (column === undefined) return null;
  // A segment's column decodes lazily from an open file; the cache outlives the file.
  const { tags, numbers, codes, dictionary, others } = column;
  return { tags, numbers, codes, dictionary, others };
}

function codedBytes(coded: CodedStrings): number {
  let bytes = coded.codes.byteLength + 64;
  for (const s of coded.dictionary) bytes += stringBytes(s);
  return bytes;
}

function keyOrderBytes(orders: KeyOrders): number {
  let bytes = orders.codes.byteLength + 64;
  for (const names of orders.orders) for (const name of names) bytes += 2 * name.length + 16;
  return bytes;
}

/** The id each row was sent with: the original id where ingestion resolved it to another. */
function sentIdColumn(stored: CodedStrings, original: CodedStrings): PropertyColumn | null {
  const sent = sentDistinctIds(stored, original);
  return codedValueColumn(sent.codes, sent.dictionary) ?? null;
}

export class ScanBatch implements ColumnBatch {
  readonly length: number;
  /** Names the sealed segment in cache keys; null for a write-buffer snapshot. */
  readonly key: string | null;
  private timeCache?: Float64Array;
  private offsetsCache?: Float64Array;
  private eventsCache?: CodedStrings;
  private distinctIdsCache?: CodedStrings;
  private keyOrdersCache?: KeyOrders;
  private usersCache?: Int32Array;
  private readonly columns = new Map<string, PropertyColumn | null>();
  private readonly userColumns = new Map<string, PropertyColumn | undefined>();

  constructor(
    readonly stored: EventBatch,
    private readonly ctx: ScanContext,
  ) {
    this.length = stored.length;
    this.key = sealedKey(stored);
  }

  /** A decoded part of the batch, through the cache. */
  private part<V>(name: string, load: () => V, bytes: (value: V) => number): V {
    if (this.key === null) return this.ctx.cache.cachedOn(this.stored, name, load);
    return this.ctx.cache.cached(`${this.key}\u0000${name}`, load, bytes);
  }

  /** A decoded part if the cache holds it (a buffer's never), without loading it. */
  peek<V>(name: string): V | undefined {
    return this.key === null ? undefined : this.ctx.cache.peek<V>(`${this.key}\u0000${name}`);
  }

  get time(): Float64Array {
    this.timeCache ??= this.part(
      "time",
      () => this.stored.time,
      (a) => a.byteLength,
    );
    return this.timeCache;
  }

  get offsets(): Float64Array {
    this.offsetsCache ??= this.part(
      "offsets",
      () => this.stored.offsets,
      (a) => a.byteLength,
    );
    return this.offsetsCache;
  }

  get events(): CodedStrings {
    this.eventsCache ??= this.part("events", () => this.stored.events, codedBytes);
    return this.eventsCache;
  }

  get distinctIds(): CodedStrings {
    this.distinctIdsCache ??= this.part("distinctIds", () => this.stored.distinctIds, codedBytes);
    return this.distinctIdsCache;
  }

  get keyOrders(): KeyOrders {
    this.keyOrdersCache ??= this.part("keyOrders", () => this.stored.keyOrders, keyOrderBytes);
    return this.keyOrdersCache;
  }

  /** The rows of each event, for scans of one event. */
  eventRows(): EventRows {
    return this.part(
      "eventRows",
      () => eventRows(this.events.codes, this.events.dictionary.length),
      (r) => r.starts.byteLength + r.rows.byteLength,
    );
  }

  /** The last row of each run of one stored id: a user's latest row in the batch, per stored id. */
  idRunEnds(): Int32Array {
    return this.part(
      "idRunEnds",
      () => idRunEnds(this.distinctIds.codes),
      (a) => a.byteLength,
    );
  }

  /** [least, greatest] time of the batch. */
  timeRange(): Float64Array {
    return this.part(
      "timeRange",
      () => timeRange(this.time),
      () => 16,
    );
  }

  /** Per entry of the distinct-id dictionary, its user's number under the query's alias map (-1: nobody). */
  users(): Int32Array {
    const { aliases, identity, cache } = this.ctx;
    this.usersCache ??= this.part(
      `users\u0000${identity.serial}`,
      () => {
        const users = userNumbers(this.distinctIds.dictionary, aliases, identity.numbering);
        cache.charge(identity);
        return users;
      },
      (a) => a.byteLength,
    );
    return this.usersCache;
  }

  property(name: string): PropertyColumn | undefined {
    let column = this.columns.get(name);
    if (column === undefined) {
      column = this.part(
        `p\u0000${name}`,
        () => this.loadProperty(name),
        (c) => columnBytes(c ?? undefined),
      );
      this.columns.set(name, column);
    }
    return column ?? undefined;
  }

  private loadProperty(name: string): PropertyColumn | null {
    // The reference sees properties as sent: the id before ingestion resolved it, and a property
    // named like the store's system column rather than the column.
    if (name === "distinct_id") {
      return sentIdColumn(this.distinctIds, this.stored.originalDistinctIds);
    }
    if (name === "$original_distinct_id") return materialised(this.stored.readProperty(name));
    return materialised(this.stored.property(name));
  }

  /** `user["name"]` for every row: the property of the profile of the row's user, per query. */
  userProperty(name: string): PropertyColumn | undefined {
    if (this.userColumns.has(name)) return this.userColumns.get(name);
    const users = this.users();
    const { ids } = this.ctx.identity.numbering;
    const values: Value[] = new Array(users.length);
    for (let c = 0; c < users.length; c++) {
      values[c] = users[c] < 0 ? undefined : readMember(this.ctx.profiles(ids[users[c]]), name);
    }
    const column = codedValueColumn(this.distinctIds.codes, values);
    this.userColumns.set(name, column);
    return column;
  }
}
