// Builds the columns of a new segment by taking values from the source batches in output row order:
// how segments are merged by compaction, column by column so only one property's columns are in
// memory at a time.

import { Tag } from "../expr/columns.js";
import type { RowOrder } from "./row-order.js";
import type { VariantData } from "./segment-columns.js";
import type { CodedStrings } from "./stored-event.js";

/** Maps each source's dictionary codes to output codes, given out in order of first use. */
class DictionaryMerger {
  readonly dictionary: string[] = [];
  private readonly codeOf = new Map<string, number>();
  private readonly remaps: Int32Array[];
  /** A source's dictionary has no string twice: with one source, codes alone tell strings apart. */
  private readonly single: boolean;

  constructor(private readonly dictionaries: readonly (readonly string[] | undefined)[]) {
    this.remaps = dictionaries.map((d) => new Int32Array(d?.length ?? 0).fill(-1));
    this.single = dictionaries.filter((d) => d !== undefined && d.length > 0).length <= 1;
  }

  code(source: number, sourceCode: number): number {
    const remap = this.remaps[source];
    let code = remap[sourceCode];
    if (code >= 0) return code;
    const text = this.dictionaries[source]![sourceCode];
    code = this.single ? -1 : (this.codeOf.get(text) ?? -1);
    if (code < 0) {
      code = this.dictionary.length;
      this.dictionary.push(text);
      if (!this.single) this.codeOf.set(text, code);
    }
    remap[sourceCode] = code;
    return code;
  }
}

/** One code per output row (-1 where the source row has none) and the merged dictionary. */
export function gatherCoded(
  order: RowOrder,
  columns: readonly CodedStrings[],
): { codes: Float64Array; dictionary: string[] } {
  const merger = new DictionaryMerger(columns.map((c) => c.dictionary));
  const codes = new Float64Array(order.length);
  for (let j = 0; j < order.length; j++) {
    const s = order.source[j];
    const c = columns[s].codes[order.row[j]];
    codes[j] = c < 0 ? -1 : merger.code(s, c);
  }
  return { codes, dictionary: merger.dictionary };
}

/** An optional string per row (insert id, original id) as a variant of String and Absent rows. */
export function codedVariant(coded: { codes: Float64Array; dictionary: readonly string[] }): VariantData {
  const tags = new Uint8Array(coded.codes.length);
  let count = 0;
  for (let j = 0; j < tags.length; j++) if (coded.codes[j] >= 0) count++;
  const codes = new Float64Array(count);
  let k = 0;
  for (let j = 0; j < tags.length; j++) {
    if (coded.codes[j] < 0) continue;
    tags[j] = Tag.String;
    codes[k++] = coded.codes[j];
  }
  return { tags, numbers: new Float64Array(0), dictionary: coded.dictionary, codes, others: [] };
}

/** How many rows of each kind carry a value, in output row order. */
function countKinds(order: RowOrder, columns: readonly (VariantData | undefined)[]) {
  let numbers = 0;
  let strings = 0;
  let others = 0;
  for (const c of columns) {
    if (c === undefined) continue;
    numbers += c.numbers.length;
    strings += c.codes.length;
    others += c.others.length;
  }
  return { tags: new Uint8Array(order.length), numbers, strings, others };
}

/**
 * A property's column in output row order, from the sources' stored (dense) columns. Each source is
 * sorted as the output is, so its rows are taken in their own order: its values are read with a
 * cursor per kind, never spread per row or parsed (lists and objects stay JSON texts).
 * Hot path (compaction): typed arrays, one pass.
 */
export function mergeVariant(order: RowOrder, columns: readonly (VariantData | undefined)[]): VariantData {
  const out = countKinds(order, columns);
  const { tags } = out;
  const numbers = new Float64Array(out.numbers);
  const codes = new Float64Array(out.strings);
  const others = new Array<string>(out.others);
  const merger = new DictionaryMerger(columns.map((c) => c?.dictionary));
  const nextRow = new Int32Array(columns.length);
  const cursors = new Int32Array(3 * columns.length);
  let n = 0;
  let s = 0;
  let o = 0;
  for (let j = 0; j < order.length; j++) {
    const source = order.source[j];
    if (order.row[j] !== nextRow[source]++) throw new Error("a merged segment's rows are not in order");
    const column = columns[source];
    if (column === undefined) continue;
    const tag = column.tags[order.row[j]];
    tags[j] = tag;
    if (tag === Tag.Number) numbers[n++] = column.numbers[cursors[3 * source]++];
    else if (tag === Tag.String) codes[s++] = merger.code(source, column.codes[cursors[3 * source + 1]++]);
    else if (tag === Tag.Other) others[o++] = column.others[cursors[3 * source + 2]++];
  }
  return { tags, numbers, dictionary: merger.dictionary, codes, others };
}

/** Values of a number column in output row order. */
export function gatherNumbers(order: RowOrder, columns: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(order.length);
  for (let j = 0; j < order.length; j++) out[j] = columns[order.source[j]][order.row[j]];
  return out;
}
