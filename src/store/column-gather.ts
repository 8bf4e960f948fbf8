// Builds the columns of a new segment by taking values from the source segments in output row
// order: how segments are merged by compaction, column by column so only one property's columns are
// in memory at a time. The sources' values are joined end to end first (joined-column.ts); output
// row j is then joined row `at[j]` (see RowOrder).

import { Tag } from "../expr/columns.js";
import type { JoinedColumn } from "./joined-column.js";
import type { OrderedStrings, VariantData } from "./segment-columns.js";
import type { CodedStrings } from "./stored-event.js";
import { AsciiStrings, type StringList } from "./string-list-codec.js";
import { hashBytes, hashOf } from "./variant-writer.js";

/** Entries of a joined list, taken one by one into a new list (in output order). */
class StringsOut {
  readonly list: string[] = [];

  constructor(private readonly from: readonly string[]) {}

  add(k: number): void {
    this.list.push(this.from[k]);
  }
}

/** StringsOut of an ASCII list: its entries' bytes are copied, no string is made. */
class AsciiOut {
  private readonly bytes: Buffer;
  private readonly starts: Float64Array;
  private count = 0;
  /** The bytes of `from` and of the new list, four at a time. */
  private readonly fromWords: DataView;
  private readonly words: DataView;

  /** `entries`: at most this many are taken, each at most once. */
  constructor(
    private readonly from: AsciiStrings,
    entries: number,
  ) {
    this.bytes = Buffer.allocUnsafe(from.starts[from.length]);
    this.starts = new Float64Array(entries + 1);
    this.fromWords = new DataView(from.bytes.buffer, from.bytes.byteOffset, from.bytes.length);
    this.words = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }

  /**
   * Hot path (compaction: a list's every entry, JSON texts of every row): most entries are short
   * (ids, small texts), copied four bytes at a time in a loop (half the time of a byte loop, a
   * third of a call's); long ones by a call.
   */
  add(k: number): void {
    const { bytes, starts } = this.from;
    let at = starts[k];
    const to = starts[k + 1];
    let end = this.starts[this.count];
    if (to - at > 64) {
      bytes.copy(this.bytes, end, at, to);
      end += to - at;
    } else {
      const { fromWords, words } = this;
      for (; at + 4 <= to; at += 4, end += 4) words.setUint32(end, fromWords.getUint32(at, true), true);
      const out = this.bytes;
      while (at < to) out[end++] = bytes[at++];
    }
    this.starts[++this.count] = end;
  }

  get list(): AsciiStrings {
    return new AsciiStrings(this.bytes, this.starts.subarray(0, this.count + 1));
  }
}

type ListOut = StringsOut | AsciiOut;

function listOut(from: StringList, entries: number): ListOut {
  return from instanceof AsciiStrings ? new AsciiOut(from, entries) : new StringsOut(from);
}

/**
 * Maps codes into dictionaries joined end to end to output codes, given out in order of first use.
 * A string in two sources' dictionaries is one output string (see firstEqual); one source's
 * dictionary alone has no string twice. Hot path (compaction): `remap[c]`, then `miss(c)` only on
 * a code's first use.
 */
class DictionaryMerger {
  /** Per joined code: its output code, -1 until first used. */
  readonly remap: Int32Array;
  /** Per joined code: the joined code of the first equal string; null with one source. */
  private readonly first: Int32Array | null;
  private readonly out: ListOut;
  private next = 0;

  constructor(joined: StringList, sources: number) {
    this.remap = new Int32Array(joined.length).fill(-1);
    this.first = sources > 1 ? firstEqual(joined) : null;
    this.out = listOut(joined, joined.length);
  }

  get dictionary(): StringList {
    return this.out.list;
  }

  code(joinedCode: number): number {
    const code = this.remap[joinedCode];
    return code >= 0 ? code : this.miss(joinedCode);
  }

  /** The output code of a joined code not used before: its equal's, or the next. */
  miss(joinedCode: number): number {
    const first = this.first === null ? joinedCode : this.first[joinedCode];
    let code = this.remap[first];
    if (code < 0) {
      code = this.next++;
      this.out.add(first);
      this.remap[first] = code;
    }
    this.remap[joinedCode] = code;
    return code;
  }
}

/**
 * For each string, the index of the first string equal to it (its own when none is). Strings are
 * nearly all distinct in the columns where there are many (insert ids, sessions): a set of their
 * hashes as bits (16 a string, about 2 MB for a million: mostly in cache) shows the few that may
 * not be (a hash seen twice, about one in 16), and only those are put in a table of their hashes,
 * where a string is compared only with strings of its hash. An ASCII list is hashed and compared
 * as bytes (the same hash): none of its strings is made. Hot path (compaction): one hash a string,
 * two bit probes.
 */
export function firstEqual(list: StringList): Int32Array {
  const n = list.length;
  const hashes = new Int32Array(n);
  if (list instanceof AsciiStrings) {
    for (let k = 0; k < n; k++) hashes[k] = hashBytes(list.bytes, list.starts[k], list.starts[k + 1]);
  } else {
    for (let k = 0; k < n; k++) hashes[k] = hashOf(list[k]);
  }
  let bits = 64;
  while (bits < 16 * n) bits *= 2;
  const mask = bits - 1;
  const once = new Int32Array(bits / 32);
  const twice = new Int32Array(bits / 32);
  for (let k = 0; k < n; k++) {
    const h = hashes[k];
    const word = (h & mask) >>> 5;
    const bit = 1 << (h & 31);
    if ((once[word] & bit) !== 0) twice[word] |= bit;
    else once[word] |= bit;
  }
  const first = new Int32Array(n);
  const candidates: number[] = [];
  for (let k = 0; k < n; k++) {
    first[k] = k;
    const h = hashes[k];
    if ((twice[(h & mask) >>> 5] & (1 << (h & 31))) !== 0) candidates.push(k);
  }
  if (candidates.length > 0) matchCandidates(list, hashes, candidates, first);
  return first;
}

/**
 * Probes one candidate may take before the table is given up for a Map: strings made to share a
 * hash (the hash is not secret) must not make a merge quadratic.
 */
const MAX_PROBES = 64;

/** Sets `first` of each candidate (in index order) equal to an earlier one. */
function matchCandidates(
  list: StringList,
  hashes: Int32Array,
  candidates: number[],
  first: Int32Array,
): void {
  let size = 2;
  while (size < 2 * candidates.length) size *= 2;
  const table = new Int32Array(size);
  const mask = size - 1;
  for (let c = 0; c < candidates.length; c++) {
    const k = candidates[c];
    const h = hashes[k];
    let slot = h & mask;
    let probes = 0;
    for (let entry = table[slot]; entry !== 0; entry = table[slot]) {
      const e = entry - 1;
      if (hashes[e] === h && sameEntry(list, e, k)) {
        first[k] = e;
        break;
      }
      if (++probes > MAX_PROBES) {
        matchByMap(list, candidates, c, first);
        return;
      }
      slot = (slot + 1) & mask;
    }
    if (table[slot] === 0) table[slot] = k + 1;
  }
}

function sameEntry(list: StringList, a: number, b: number): boolean {
  if (!(list instanceof AsciiStrings)) return list[a] === list[b];
  const { bytes, starts } = list;
  const length = starts[a + 1] - starts[a];
  if (starts[b + 1] - starts[b] !== length) return false;
  for (let i = 0, p = starts[a], q = starts[b]; i < length; i++)
    if (bytes[p + i] !== bytes[q + i]) return false;
  return true;
}

/** matchCandidates through a Map of the candidates by text, from candidate `from` on. */
function matchByMap(list: StringList, candidates: number[], from: number, first: Int32Array): void {
  const textOf = (k: number) => (list instanceof AsciiStrings ? list.text(k) : list[k]);
  const byText = new Map<string, number>();
  for (let c = 0; c < from; c++) {
    const k = candidates[c];
    if (first[k] === k) byText.set(textOf(k), k);
  }
  for (let c = from; c < candidates.length; c++) {
    const k = candidates[c];
    const text = textOf(k);
    const earlier = byText.get(text);
    if (earlier === undefined) byText.set(text, k);
    else first[k] = earlier;
  }
}

/**
 * One code per output row, from code columns of one code a row (event, distinct id, key order),
 * and the merged dictionary.
 */
export function gatherCoded(at: Uint32Array, columns: readonly CodedStrings[]): OrderedStrings {
  let total = 0;
  for (const c of columns) total += c.codes.length;
  const joined = new Int32Array(total);
  let g = 0;
  let base = 0;
  for (const { codes, dictionary } of columns) {
    for (let i = 0; i < codes.length; i++) joined[g++] = codes[i] < 0 ? -1 : codes[i] + base;
    base += dictionary.length;
  }
  const dictionaries = columns.map((c) => c.dictionary).filter((d) => d.length > 0);
  const merger = new DictionaryMerger(([] as string[]).concat(...dictionaries), dictionaries.length);
  const codes = new Float64Array(at.length);
  for (let j = 0; j < at.length; j++) {
    const c = joined[at[j]];
    codes[j] = c < 0 ? -1 : merger.code(c);
  }
  // Strings in, strings out.
  return { codes, dictionary: merger.dictionary as string[] };
}

/** A merge's row order and output arrays, sized for every row once and reused column after column. */
export class GatherScratch {
  readonly tags: Uint8Array;
  readonly numbers: Float64Array;
  readonly codes: Float64Array;

  /** `at`: output row j is joined row `at[j]` (see RowOrder). */
  constructor(readonly at: Uint32Array) {
    this.tags = new Uint8Array(at.length);
    this.numbers = new Float64Array(at.length);
    this.codes = new Float64Array(at.length);
  }
}

/**
 * A column in output row order, from the sources' columns joined. Tags are copied, values of each
 * kind taken in output order, strings given output codes in order of first use; lists and objects
 * stay JSON texts. The arrays are `scratch`'s: valid until its next use.
 * Hot path (compaction): typed arrays, one pass; per string a lookup in an Int32Array.
 */
export function mergeVariant(column: JoinedColumn, scratch: GatherScratch): VariantData {
  const { at } = scratch;
  const tags = scratch.tags.subarray(0, at.length);
  const numbers = scratch.numbers.subarray(0, column.numbers.length);
  const codes = scratch.codes.subarray(0, column.codes.length);
  const others = listOut(column.others, column.others.length);
  const merger = new DictionaryMerger(column.dictionary, column.stringSources);
  const out = { tags, numbers, codes, others };
  if (column.valueAt === null) gatherUniform(at, column, merger, out);
  else gatherMixed(at, column.valueAt, column, merger, out);
  return { tags, numbers, dictionary: merger.dictionary, codes, others: others.list };
}

interface Gathered {
  readonly tags: Uint8Array;
  readonly numbers: Float64Array;
  readonly codes: Float64Array;
  readonly others: ListOut;
}

/** Every row carries a value of one kind, at its own index. */
function gatherUniform(at: Uint32Array, column: JoinedColumn, merger: DictionaryMerger, out: Gathered): void {
  out.tags.fill(column.uniform);
  if (column.uniform === Tag.String) {
    const { codes } = column;
    const { remap } = merger;
    const outCodes = out.codes;
    for (let j = 0; j < at.length; j++) {
      const c = codes[at[j]];
      const code = remap[c];
      outCodes[j] = code >= 0 ? code : merger.miss(c);
    }
  } else if (column.uniform === Tag.Number) {
    const { numbers } = column;
    const outNumbers = out.numbers;
    for (let j = 0; j < at.length; j++) outNumbers[j] = numbers[at[j]];
  } else {
    const { others } = out;
    for (let j = 0; j < at.length; j++) others.add(at[j]);
  }
}

/** Rows of any tags, each value at its index in `valueAt`. */
function gatherMixed(
  at: Uint32Array,
  valueAt: Int32Array,
  column: JoinedColumn,
  merger: DictionaryMerger,
  out: Gathered,
): void {
  const { tags: joinedTags, numbers: joinedNumbers, codes: joinedCodes } = column;
  const { tags, numbers, codes, others } = out;
  const { remap } = merger;
  let n = 0;
  let s = 0;
  let o = 0;
  for (let j = 0; j < at.length; j++) {
    const g = at[j];
    const tag = joinedTags[g];
    tags[j] = tag;
    if (tag === Tag.String) {
      const c = joinedCodes[valueAt[g]];
      const code = remap[c];
      codes[s++] = code >= 0 ? code : merger.miss(c);
    } else if (tag === Tag.Number) {
      numbers[n++] = joinedNumbers[valueAt[g]];
    } else if (tag === Tag.Other) {
      others.add(valueAt[g]);
      o++;
    }
  }
  if (n !== numbers.length || s !== codes.length || o !== column.others.length) {
    throw new Error("a merged segment's rows are not the rows of its sources");
  }
}

/** Values of a number column in output row order, from the sources' columns joined. */
export function gatherNumbers(at: Uint32Array, joined: Float64Array): Float64Array {
  const out = new Float64Array(at.length);
  for (let j = 0; j < at.length; j++) out[j] = joined[at[j]];
  return out;
}
