// The merge as it was before merges joined their sources' columns (kept for the differential test in
// merge-differential.test.ts): each source's columns are read as the file stores them, and values
// are taken through a cursor per source and kind, strings coded through a Map. Slow, and plainly so.

import { Tag } from "../../src/expr/columns.js";
import {
  decodeNumbersBody,
  decodeStringListBody,
  decodeStringsBody,
  decodeTagsBody,
} from "../../src/store/column-codec.js";
import { type RowOrder, sortRows } from "../../src/store/row-order.js";
import type { SegmentBatch } from "../../src/store/segment-batch.js";
import type { OrderedStrings, SegmentColumns, VariantData } from "../../src/store/segment-columns.js";
import type { VariantRefs } from "../../src/store/segment-format.js";
import type { CodedStrings } from "../../src/store/stored-event.js";

/** Stored (dense) values of a variant column, every list decoded to strings. */
interface StoredColumn {
  readonly tags: Uint8Array;
  readonly numbers: Float64Array;
  readonly dictionary: readonly string[];
  readonly codes: Float64Array;
  readonly others: readonly string[];
}

function readStored(batch: SegmentBatch, refs: VariantRefs, what: string): StoredColumn {
  const { file, length } = batch;
  const tags = decodeTagsBody(file.readBlock(refs.tags, what), length, what);
  const strings =
    refs.strings === null
      ? { codes: new Float64Array(0), dictionary: [] }
      : decodeStringsBody(file.readBlock(refs.strings, what), refs.stringCount, what);
  return {
    tags,
    numbers:
      refs.numbers === null
        ? new Float64Array(0)
        : decodeNumbersBody(file.readBlock(refs.numbers, what), refs.numberCount, what),
    codes: strings.codes,
    dictionary: strings.dictionary,
    others:
      refs.others === null
        ? []
        : decodeStringListBody(file.readBlock(refs.others, what), refs.otherCount, what),
  };
}

/** Maps each source's dictionary codes to output codes, given out in order of first use. */
class DictionaryMerger {
  readonly dictionary: string[] = [];
  private readonly codeOf = new Map<string, number>();
  private readonly remaps: Int32Array[];

  constructor(private readonly dictionaries: readonly (readonly string[] | undefined)[]) {
    this.remaps = dictionaries.map((d) => new Int32Array(d?.length ?? 0).fill(-1));
  }

  code(source: number, sourceCode: number): number {
    const remap = this.remaps[source];
    let code = remap[sourceCode];
    if (code >= 0) return code;
    const text = this.dictionaries[source]![sourceCode];
    code = this.codeOf.get(text) ?? -1;
    if (code < 0) {
      code = this.dictionary.length;
      this.dictionary.push(text);
      this.codeOf.set(text, code);
    }
    remap[sourceCode] = code;
    return code;
  }
}

function gatherCoded(order: RowOrder, columns: readonly CodedStrings[]): OrderedStrings {
  const merger = new DictionaryMerger(columns.map((c) => c.dictionary));
  const codes = new Float64Array(order.length);
  for (let j = 0; j < order.length; j++) {
    const s = order.source[j];
    const c = columns[s].codes[order.row[j]];
    codes[j] = c < 0 ? -1 : merger.code(s, c);
  }
  return { codes, dictionary: merger.dictionary };
}

function mergeVariant(order: RowOrder, columns: readonly (StoredColumn | undefined)[]): VariantData {
  const tags = new Uint8Array(order.length);
  const numbers: number[] = [];
  const codes: number[] = [];
  const others: string[] = [];
  const merger = new DictionaryMerger(columns.map((c) => c?.dictionary));
  const cursors = columns.map(() => ({ number: 0, string: 0, other: 0 }));
  for (let j = 0; j < order.length; j++) {
    const source = order.source[j];
    const column = columns[source];
    if (column === undefined) continue;
    const tag = column.tags[order.row[j]];
    const cursor = cursors[source];
    tags[j] = tag;
    if (tag === Tag.Number) numbers.push(column.numbers[cursor.number++]);
    else if (tag === Tag.String) codes.push(merger.code(source, column.codes[cursor.string++]));
    else if (tag === Tag.Other) others.push(column.others[cursor.other++]);
  }
  return {
    tags,
    numbers: Float64Array.from(numbers),
    dictionary: merger.dictionary,
    codes: Float64Array.from(codes),
    others,
  };
}

export class ReferenceMergedColumns implements SegmentColumns {
  readonly rows: number;
  readonly time: Float64Array;
  readonly offset: Float64Array;
  private readonly order: RowOrder;

  constructor(private readonly sources: readonly SegmentBatch[]) {
    this.order = sortRows(sources);
    this.rows = this.order.length;
    const gather = (pick: (s: SegmentBatch) => Float64Array) =>
      Float64Array.from(this.order.source, (s, j) => pick(sources[s])[this.order.row[j]]);
    this.time = gather((s) => s.time);
    this.offset = gather((s) => s.offsets);
  }

  private variant(refs: (s: SegmentBatch) => VariantRefs | undefined): VariantData {
    return mergeVariant(
      this.order,
      this.sources.map((s) => {
        const r = refs(s);
        return r === undefined ? undefined : readStored(s, r, s.file.path);
      }),
    );
  }

  get event(): OrderedStrings {
    return gatherCoded(
      this.order,
      this.sources.map((s) => s.events),
    );
  }

  get distinctId(): OrderedStrings {
    return gatherCoded(
      this.order,
      this.sources.map((s) => s.distinctIds),
    );
  }

  get insertId(): VariantData {
    return this.variant((s) => s.file.footer.insertId);
  }

  get originalDistinctId(): VariantData {
    return this.variant((s) => s.file.footer.originalDistinctId);
  }

  propertyNames(): readonly string[] {
    const names = new Set<string>();
    for (const s of this.sources) for (const n of s.propertyNames()) names.add(n);
    return Array.from(names);
  }

  keyOrder(indexOf: ReadonlyMap<string, number>): OrderedStrings {
    return gatherCoded(
      this.order,
      this.sources.map((s) => ({
        codes: s.keyOrders.codes,
        dictionary: s.keyOrders.orders.map((names) => names.map((n) => indexOf.get(n)).join(",")),
      })),
    );
  }

  property(name: string): VariantData {
    return this.variant((s) => s.file.footer.properties.find((p) => p.name === name));
  }
}
