// A compaction's segment columns: the rows of the segments it merges, put in segment order and
// gathered column by column (so one property's values are in memory at a time).

import { GatherScratch, gatherCoded, gatherNumbers, mergeVariant } from "./column-gather.js";
import { ColumnJoiner } from "./joined-column.js";
import { type RowOrder, sortRows } from "./row-order.js";
import type { SegmentBatch } from "./segment-batch.js";
import type { OrderedStrings, SegmentColumns, VariantData } from "./segment-columns.js";
import type { VariantRefs } from "./segment-format.js";
import type { CodedStrings } from "./stored-event.js";

export class MergedColumns implements SegmentColumns {
  readonly rows: number;
  readonly time: Float64Array;
  readonly offset: Float64Array;
  private readonly order: RowOrder;
  private readonly refsByName: ReadonlyMap<string, VariantRefs>[];
  private readonly joiner: ColumnJoiner;
  private readonly scratch: GatherScratch;

  constructor(private readonly sources: readonly SegmentBatch[]) {
    this.order = sortRows(sources);
    this.rows = this.order.length;
    this.time = gatherNumbers(this.order.at, joinNumbers(sources.map((s) => s.time)));
    this.offset = gatherNumbers(this.order.at, joinNumbers(sources.map((s) => s.offsets)));
    this.refsByName = sources.map((s) => new Map(s.file.footer.properties.map((p) => [p.name, p])));
    this.joiner = new ColumnJoiner(this.rows);
    this.scratch = new GatherScratch(this.order.at);
  }

  private coded(pick: (s: SegmentBatch) => CodedStrings): OrderedStrings {
    return gatherCoded(this.order.at, this.sources.map(pick));
  }

  /**
   * Column `what` of every source (`refs` of each: undefined where a source lacks it), merged. Its
   * arrays are reused by the next column merged (the writer encodes each before it asks for the next).
   */
  private variant(what: string, refs: (s: number) => VariantRefs | undefined): VariantData {
    const columns = this.sources.map((s, k) => ({ file: s.file, rows: s.length, refs: refs(k) }));
    return mergeVariant(this.joiner.read(columns, what), this.scratch);
  }

  get event(): OrderedStrings {
    return this.coded((s) => s.events);
  }

  /**
   * The rows are sorted by distinct id, so ids come first used in ascending order: a row's code is
   * its id's rank, when every id ranked is used (as in files this store wrote; else it is gathered).
   */
  get distinctId(): OrderedStrings {
    const { at, rank, ids } = this.order;
    const codes = new Float64Array(at.length);
    let used = 0;
    for (let j = 0; j < at.length; j++) {
      const code = rank[at[j]];
      if (code === used) used++;
      else if (code !== used - 1) return this.coded((s) => s.distinctIds);
      codes[j] = code;
    }
    return used === ids.length ? { codes, dictionary: ids } : this.coded((s) => s.distinctIds);
  }

  get insertId(): VariantData {
    return this.variant("insertId", (k) => this.sources[k].file.footer.insertId);
  }

  get originalDistinctId(): VariantData {
    return this.variant("originalDistinctId", (k) => this.sources[k].file.footer.originalDistinctId);
  }

  propertyNames(): readonly string[] {
    const names = new Set<string>();
    for (const s of this.sources) for (const n of s.propertyNames()) names.add(n);
    return Array.from(names);
  }

  keyOrder(indexOf: ReadonlyMap<string, number>): OrderedStrings {
    return this.coded((s) => ({
      codes: s.keyOrders.codes,
      dictionary: s.keyOrders.orders.map((names) => names.map((n) => indexOf.get(n)).join(",")),
    }));
  }

  property(name: string): VariantData {
    return this.variant(`property ${JSON.stringify(name)}`, (k) => this.refsByName[k].get(name));
  }
}

/** Number columns end to end. */
function joinNumbers(columns: readonly Float64Array[]): Float64Array {
  let total = 0;
  for (const c of columns) total += c.length;
  const out = new Float64Array(total);
  let at = 0;
  for (const c of columns) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
