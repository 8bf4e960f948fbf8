// A sealed segment seen as a batch: the expression engine's columns and the store's system
// columns, each decoded on first use and kept for the batch's life. Decoding goes straight into
// typed arrays; only `row(i)` (export) builds objects.

import { columnValue, type PropertyColumn } from "../expr/columns.js";
import type { BlockRef } from "./block.js";
import { decodeNumbersBody, decodeStringsBody } from "./column-codec.js";
import { corrupt } from "./errors.js";
import { SegmentColumn } from "./segment-column.js";
import type { PropertyRefs, VariantRefs } from "./segment-format.js";
import type { SegmentFile } from "./segment-reader.js";
import type { CodedStrings, EventBatch, KeyOrders, StoredEvent } from "./stored-event.js";
import { buildProperties, codedValue, systemColumn } from "./system-columns.js";

export class SegmentBatch implements EventBatch {
  readonly length: number;
  private readonly refsByName = new Map<string, PropertyRefs>();
  private readonly stored = new Map<string, PropertyColumn>();
  private readonly views = new Map<string, PropertyColumn | undefined>();
  private timeCache?: Float64Array;
  private offsetsCache?: Float64Array;
  private eventsCache?: CodedStrings;
  private distinctIdsCache?: CodedStrings;
  private insertIdsCache?: CodedStrings;
  private originalCache?: CodedStrings;
  private keyOrdersCache?: KeyOrders;

  constructor(readonly file: SegmentFile) {
    this.length = file.footer.rows;
    for (const p of file.footer.properties) this.refsByName.set(p.name, p);
  }

  private where(what: string): string {
    return `${this.file.path} (${what})`;
  }

  private numbers(ref: BlockRef, what: string): Float64Array {
    return decodeNumbersBody(this.file.readBlock(ref, what), this.length, this.where(what));
  }

  private strings(ref: BlockRef, what: string): CodedStrings {
    const decoded = decodeStringsBody(this.file.readBlock(ref, what), this.length, this.where(what));
    return { codes: Int32Array.from(decoded.codes), dictionary: decoded.dictionary };
  }

  /** An optional string (insert id, original id) as codes with -1 where there is none. */
  private optional(refs: VariantRefs, what: string): CodedStrings {
    const column = new SegmentColumn(this.file, refs, this.length, what);
    return { codes: column.codes ?? new Int32Array(this.length).fill(-1), dictionary: column.dictionary };
  }

  get time(): Float64Array {
    this.timeCache ??= this.numbers(this.file.footer.time, "time");
    return this.timeCache;
  }

  get offsets(): Float64Array {
    this.offsetsCache ??= this.numbers(this.file.footer.offset, "offset");
    return this.offsetsCache;
  }

  get events(): CodedStrings {
    this.eventsCache ??= this.strings(this.file.footer.event, "event");
    return this.eventsCache;
  }

  get distinctIds(): CodedStrings {
    this.distinctIdsCache ??= this.strings(this.file.footer.distinctId, "distinctId");
    return this.distinctIdsCache;
  }

  get insertIds(): CodedStrings {
    this.insertIdsCache ??= this.optional(this.file.footer.insertId, "insertId");
    return this.insertIdsCache;
  }

  get originalDistinctIds(): CodedStrings {
    this.originalCache ??= this.optional(this.file.footer.originalDistinctId, "originalDistinctId");
    return this.originalCache;
  }

  get keyOrders(): KeyOrders {
    this.keyOrdersCache ??= this.loadKeyOrders();
    return this.keyOrdersCache;
  }

  private loadKeyOrders(): KeyOrders {
    const { codes, dictionary } = this.strings(this.file.footer.keyOrder, "keyOrder");
    const names = this.file.footer.properties;
    const orders = dictionary.map((entry) =>
      entry === ""
        ? []
        : entry.split(",").map((index) => {
            const p = names[Number(index)];
            if (p === undefined) throw corrupt(this.where("keyOrder"), `no property ${index}`);
            return p.name;
          }),
    );
    return { codes, orders };
  }

  propertyNames(): readonly string[] {
    return Array.from(this.refsByName.keys());
  }

  readProperty(name: string): PropertyColumn | undefined {
    const refs = this.refsByName.get(name);
    return refs === undefined
      ? undefined
      : new SegmentColumn(this.file, refs, this.length, `property ${JSON.stringify(name)}`);
  }

  private storedProperty(name: string): PropertyColumn | undefined {
    let column = this.stored.get(name);
    if (column === undefined) {
      column = this.readProperty(name);
      if (column !== undefined) this.stored.set(name, column);
    }
    return column;
  }

  property(name: string): PropertyColumn | undefined {
    if (this.views.has(name)) return this.views.get(name);
    const system = systemColumn(this, name);
    const column = system === null ? this.storedProperty(name) : system;
    this.views.set(name, column);
    return column;
  }

  userProperty(_name: string): PropertyColumn | undefined {
    return undefined;
  }

  row(i: number): StoredEvent {
    const names = this.keyOrders.orders[this.keyOrders.codes[i]];
    const properties = buildProperties(names, (name) => {
      const column = this.storedProperty(name);
      return column === undefined ? undefined : columnValue(column, i);
    });
    const original = codedValue(this.originalDistinctIds, i);
    return {
      event: codedValue(this.events, i) ?? "",
      distinctId: codedValue(this.distinctIds, i) ?? "",
      ...(original === undefined ? {} : { originalDistinctId: original }),
      time: this.time[i],
      insertId: codedValue(this.insertIds, i) ?? null,
      properties,
      offset: this.offsets[i],
    };
  }
}
