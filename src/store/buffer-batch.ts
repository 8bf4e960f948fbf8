// A snapshot of a write buffer seen as a batch: the rows appended so far, sorted like a segment's,
// with columns built from the row objects on first use. This is how queries see an event within a
// second of its acceptance, and what sealing encodes into a segment.

import type { PropertyColumn } from "../expr/columns.js";
import type { JsonObject } from "../expr/value.js";
import { buildPropertyColumn, ColumnWriter } from "./column-builder.js";
import { KeyOrderTable } from "./key-order-table.js";
import type { CodedStrings, EventBatch, KeyOrders, StoredEvent } from "./stored-event.js";
import { systemColumn } from "./system-columns.js";

/**
 * `rows` in the order every batch keeps: by distinctId (UTF-16 code units), then time, then offset.
 * Sorts numbers (ranks of distinct ids, times, offsets), not objects.
 */
function sortStored(rows: readonly StoredEvent[]): StoredEvent[] {
  const ids = codeStrings(rows, (e) => e.distinctId);
  const byText = ids.dictionary
    .map((_, code) => code)
    .sort((a, b) => compareText(ids.dictionary[a], ids.dictionary[b]));
  const rankOfCode = new Int32Array(byText.length);
  for (let r = 0; r < byText.length; r++) rankOfCode[byText[r]] = r;
  const rank = new Int32Array(rows.length);
  const time = new Float64Array(rows.length);
  const offset = new Float64Array(rows.length);
  const order = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    rank[i] = rankOfCode[ids.codes[i]];
    time[i] = rows[i].time;
    offset[i] = rows[i].offset;
    order[i] = i;
  }
  order.sort((a, b) => rank[a] - rank[b] || time[a] - time[b] || offset[a] - offset[b]);
  return Array.from(order, (i) => rows[i]);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function codeStrings(
  rows: readonly StoredEvent[],
  pick: (e: StoredEvent) => string | null | undefined,
): CodedStrings {
  const codes = new Int32Array(rows.length);
  const dictionary: string[] = [];
  const codeOf = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const text = pick(rows[i]);
    if (text === null || text === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = codeOf.get(text);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(text);
      codeOf.set(text, code);
    }
    codes[i] = code;
  }
  return { codes, dictionary };
}

interface Decomposed {
  readonly keyOrders: KeyOrders;
  readonly columns: ReadonlyMap<string, PropertyColumn>;
}

function decompose(properties: readonly JsonObject[]): Decomposed {
  const table = new KeyOrderTable();
  const codes = new Int32Array(properties.length);
  const writers = new Map<string, ColumnWriter>();
  /** Per key order, the writer of each of its names. */
  const writersOf: ColumnWriter[][] = [];
  for (let i = 0; i < properties.length; i++) {
    const props = properties[i];
    const code = table.code(Object.keys(props));
    codes[i] = code;
    if (code === writersOf.length) {
      writersOf.push(
        table.orders[code].map((name) => {
          let w = writers.get(name);
          if (w === undefined) {
            w = new ColumnWriter(properties.length);
            writers.set(name, w);
          }
          return w;
        }),
      );
    }
    const values = Object.values(props);
    const rowWriters = writersOf[code];
    for (let k = 0; k < values.length; k++) rowWriters[k].set(i, values[k]);
  }
  const columns = new Map<string, PropertyColumn>();
  for (const [name, w] of writers) columns.set(name, w.finish());
  return { keyOrders: { codes, orders: table.orders }, columns };
}

export class BufferBatch implements EventBatch {
  readonly length: number;
  readonly time: Float64Array;
  readonly offsets: Float64Array;
  private readonly properties: readonly JsonObject[];
  private readonly views = new Map<string, PropertyColumn | undefined>();
  private eventsCache?: CodedStrings;
  private distinctIdsCache?: CodedStrings;
  private insertIdsCache?: CodedStrings;
  private originalCache?: CodedStrings;
  private decomposedCache?: Decomposed;

  /** `rows` must already be in batch order (see `BufferBatch.sorted`). */
  constructor(private readonly rows: readonly StoredEvent[]) {
    this.length = rows.length;
    this.time = Float64Array.from(rows, (e) => e.time);
    this.offsets = Float64Array.from(rows, (e) => e.offset);
    this.properties = rows.map((e) => e.properties);
  }

  static sorted(rows: readonly StoredEvent[]): BufferBatch {
    return new BufferBatch(sortStored(rows));
  }

  get events(): CodedStrings {
    this.eventsCache ??= codeStrings(this.rows, (e) => e.event);
    return this.eventsCache;
  }

  get distinctIds(): CodedStrings {
    this.distinctIdsCache ??= codeStrings(this.rows, (e) => e.distinctId);
    return this.distinctIdsCache;
  }

  get insertIds(): CodedStrings {
    this.insertIdsCache ??= codeStrings(this.rows, (e) => e.insertId);
    return this.insertIdsCache;
  }

  get originalDistinctIds(): CodedStrings {
    this.originalCache ??= codeStrings(this.rows, (e) => e.originalDistinctId);
    return this.originalCache;
  }

  get keyOrders(): KeyOrders {
    return this.decomposed().keyOrders;
  }

  /** Key orders and every stored column, in one pass over the rows: what sealing reads. */
  private decomposed(): Decomposed {
    this.decomposedCache ??= decompose(this.properties);
    return this.decomposedCache;
  }

  propertyNames(): readonly string[] {
    return Array.from(this.decomposed().columns.keys());
  }

  readProperty(name: string): PropertyColumn | undefined {
    return this.decomposed().columns.get(name);
  }

  property(name: string): PropertyColumn | undefined {
    if (this.views.has(name)) return this.views.get(name);
    const system = systemColumn(this, name);
    // A query reads a few columns: build just this one, unless sealing built them all already.
    const column =
      system !== null
        ? system
        : (this.decomposedCache?.columns.get(name) ?? buildPropertyColumn(this.properties, name));
    this.views.set(name, column);
    return column;
  }

  userProperty(_name: string): PropertyColumn | undefined {
    return undefined;
  }

  row(i: number): StoredEvent {
    return this.rows[i];
  }
}
