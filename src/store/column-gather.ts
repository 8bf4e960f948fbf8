// Builds the columns of a new segment by taking values from the source batches in output row order:
// how a write buffer is sealed and how segments are merged by compaction, column by column so only
// one property's columns are in memory at a time.

import { type PropertyColumn, Tag } from "../expr/columns.js";
import { stringifyExact } from "./exact-json.js";
import type { RowOrder } from "./row-order.js";
import type { CodedStrings } from "./stored-event.js";

/** A column as the writer stores it: tags per row, values of each kind dense and in row order. */
export interface VariantData {
  readonly tags: Uint8Array;
  readonly numbers: Float64Array;
  readonly dictionary: readonly string[];
  readonly codes: Float64Array;
  /** Exact JSON texts of the rows tagged Other. */
  readonly others: readonly string[];
}

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

export function gatherVariant(
  order: RowOrder,
  columns: readonly (PropertyColumn | undefined)[],
): VariantData {
  const tags = new Uint8Array(order.length);
  const numbers: number[] = [];
  const codes: number[] = [];
  const others: string[] = [];
  const merger = new DictionaryMerger(columns.map((c) => c?.dictionary));
  for (let j = 0; j < order.length; j++) {
    const s = order.source[j];
    const column = columns[s];
    if (column === undefined) continue;
    const r = order.row[j];
    const tag = column.tags[r] as Tag;
    tags[j] = tag;
    if (tag === Tag.Number) numbers.push(column.numbers![r]);
    else if (tag === Tag.String) codes.push(merger.code(s, column.codes![r]));
    else if (tag === Tag.Other) others.push(stringifyExact(column.others.get(r)) ?? "null");
  }
  return {
    tags,
    numbers: Float64Array.from(numbers),
    dictionary: merger.dictionary,
    codes: Float64Array.from(codes),
    others,
  };
}

/** Values of a number column in output row order. */
export function gatherNumbers(order: RowOrder, columns: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(order.length);
  for (let j = 0; j < order.length; j++) out[j] = columns[order.source[j]][order.row[j]];
  return out;
}
