// One variant column of every segment a merge reads, decoded end to end in source order (the rows
// of source 0, then those of source 1, …), each kind's values dense as the files store them: what
// column-gather.ts takes a merged column's values from. Each row is given the index of its value
// among the joined values of its kind, so a gather reads any row's value directly, in any order,
// with no cursor or object per source. Nothing is spread per row or parsed (lists and objects stay
// JSON texts). A merge reads its columns one after another into the same arrays (ColumnJoiner).

import { Tag } from "../expr/columns.js";
import { decodeNumbersInto, decodeStringsInto, decodeTagsInto, readStringListBody } from "./column-codec.js";
import { corrupt } from "./errors.js";
import type { VariantRefs } from "./segment-format.js";
import type { SegmentFile } from "./segment-reader.js";
import { AsciiStrings, type StringList } from "./string-list-codec.js";

export interface JoinedColumn {
  /** One tag per row of every source; Absent throughout a source without the column. */
  readonly tags: Uint8Array;
  /**
   * Per row tagged Number, String or Other: the index of its value in `numbers`, `codes` or
   * `others`. Null when every row of every source carries a value of one kind (`uniform`): a row's
   * value is then at its own index.
   */
  readonly valueAt: Int32Array | null;
  /** The tag of every row, when they are all one kind of value; Absent otherwise. */
  readonly uniform: Tag;
  readonly numbers: Float64Array;
  /** Codes into `dictionary`. */
  readonly codes: Float64Array;
  /** The sources' dictionaries end to end: a string may be in it once per source. */
  readonly dictionary: StringList;
  /** How many sources have strings: with one, no string is in `dictionary` twice. */
  readonly stringSources: number;
  /** Exact JSON texts of the rows tagged Other. */
  readonly others: StringList;
}

/** One segment's part of a joined column: its column's blocks, or undefined when it has none. */
export interface ColumnSource {
  readonly file: SegmentFile;
  readonly rows: number;
  readonly refs: VariantRefs | undefined;
}

/** Where the next source's rows and values go. */
interface Cursor {
  row: number;
  number: number;
  string: number;
  other: number;
  dictionary: number;
}

/**
 * Reads the columns of a merge's sources, joined, into arrays sized for every row once: a column
 * read is valid until the next one (a merge encodes each column before it reads the next).
 */
export class ColumnJoiner {
  private readonly tags: Uint8Array;
  private readonly valueAt: Int32Array;
  private readonly numbers: Float64Array;
  private readonly codes: Float64Array;

  /** `rows`: the sources' rows together. */
  constructor(readonly rows: number) {
    this.tags = new Uint8Array(rows);
    this.valueAt = new Int32Array(rows);
    this.numbers = new Float64Array(rows);
    this.codes = new Float64Array(rows);
  }

  /** The joined column; `what` names it in errors. */
  read(sources: readonly ColumnSource[], what: string): JoinedColumn {
    const uniform = uniformTag(sources);
    const dictionaries: StringList[] = [];
    const others: StringList[] = [];
    const next: Cursor = { row: 0, number: 0, string: 0, other: 0, dictionary: 0 };
    for (const { file, rows, refs } of sources) {
      if (rows > this.rows - next.row) throw new Error("a merge reads more rows than it was given");
      if (refs === undefined) {
        this.tags.fill(Tag.Absent, next.row, next.row + rows);
      } else {
        const read = this.readSource(file, rows, refs, what, next, uniform !== Tag.Absent);
        if (read.dictionary.length > 0) dictionaries.push(read.dictionary);
        others.push(read.others);
      }
      next.row += rows;
    }
    if (next.row !== this.rows) throw new Error("a merge reads fewer rows than it was given");
    return {
      tags: this.tags,
      valueAt: uniform === Tag.Absent ? this.valueAt : null,
      uniform,
      numbers: this.numbers.subarray(0, next.number),
      codes: this.codes.subarray(0, next.string),
      dictionary: joinLists(dictionaries),
      stringSources: dictionaries.length,
      others: joinLists(others),
    };
  }

  /**
   * Reads one source's column into the joined arrays at `next`, and moves `next` past it. A uniform
   * column needs no index of values (and its counts were checked against the rows).
   */
  private readSource(
    file: SegmentFile,
    rows: number,
    refs: VariantRefs,
    what: string,
    next: Cursor,
    uniform: boolean,
  ): { dictionary: StringList; others: StringList } {
    const where = (part: string) => `${file.path} (${what} ${part})`;
    const body = file.readBlock(refs.tags, `${what} tags`);
    const palette = decodeTagsInto(body, rows, where("tags"), this.tags, next.row);
    const tags = this.tags.subarray(next.row, next.row + rows);
    if (uniform) checkUniform(tags, palette, refs, where);
    else indexValues(tags, this.valueAt, next, refs, where);
    if (refs.numbers !== null) {
      const body = file.readBlock(refs.numbers, `${what} numbers`);
      decodeNumbersInto(body, refs.numberCount, where("numbers"), this.numbers, next.number);
    }
    let dictionary: StringList = [];
    if (refs.strings !== null) {
      const body = file.readBlock(refs.strings, `${what} strings`);
      const { codes } = this;
      dictionary = decodeStringsInto(
        body,
        refs.stringCount,
        where("strings"),
        codes,
        next.string,
        next.dictionary,
      );
    }
    const others =
      refs.others === null
        ? []
        : readStringListBody(file.readBlock(refs.others, `${what} others`), refs.otherCount, where("others"));
    next.number += refs.numberCount;
    next.string += refs.stringCount;
    next.other += refs.otherCount;
    next.dictionary += dictionary.length;
    return { dictionary, others };
  }
}

/**
 * The one kind of value every row of every source carries, as the footers count them (Number,
 * String or Other), or Absent when the rows are not all alike.
 */
function uniformTag(sources: readonly ColumnSource[]): Tag {
  let tag: Tag | null = null;
  for (const { rows, refs } of sources) {
    if (rows === 0) continue;
    if (refs === undefined) return Tag.Absent;
    const kind =
      refs.numberCount === rows
        ? Tag.Number
        : refs.stringCount === rows
          ? Tag.String
          : refs.otherCount === rows
            ? Tag.Other
            : Tag.Absent;
    if (kind === Tag.Absent || (tag !== null && kind !== tag)) return Tag.Absent;
    tag = kind;
  }
  return tag ?? Tag.Absent;
}

/**
 * Checks that every row of a source carries the one kind of value its footer counts a row of: at
 * once when that is the only tag in the palette (as it is in a file this store wrote).
 */
function checkUniform(
  tags: Uint8Array,
  palette: Uint8Array,
  refs: VariantRefs,
  where: (part: string) => string,
): void {
  const rows = tags.length;
  const tag = refs.numberCount === rows ? Tag.Number : refs.stringCount === rows ? Tag.String : Tag.Other;
  let alike = 0;
  if (palette.length === 1 && palette[0] === tag) alike = rows;
  else for (let i = 0; i < rows; i++) if (tags[i] === tag) alike++;
  checkCount(tag === Tag.Number ? alike : 0, refs.numberCount, where("numbers"));
  checkCount(tag === Tag.String ? alike : 0, refs.stringCount, where("strings"));
  checkCount(tag === Tag.Other ? alike : 0, refs.otherCount, where("others"));
}

/**
 * Gives each row of a source its value's index among the joined values of its kind, and checks
 * that exactly as many rows carry each kind as the footer said.
 */
function indexValues(
  tags: Uint8Array,
  valueAt: Int32Array,
  next: Cursor,
  refs: VariantRefs,
  where: (part: string) => string,
): void {
  let n = next.number;
  let s = next.string;
  let o = next.other;
  for (let i = 0, g = next.row; i < tags.length; i++, g++) {
    const tag = tags[i];
    if (tag === Tag.Number) valueAt[g] = n++;
    else if (tag === Tag.String) valueAt[g] = s++;
    else if (tag === Tag.Other) valueAt[g] = o++;
  }
  checkCount(n - next.number, refs.numberCount, where("numbers"));
  checkCount(s - next.string, refs.stringCount, where("strings"));
  checkCount(o - next.other, refs.otherCount, where("others"));
}

function checkCount(seen: number, count: number, where: string): void {
  if (seen !== count) throw corrupt(where, `${seen} rows tagged for ${count} values`);
}

/** Lists end to end: as AsciiStrings when every one is, as strings otherwise. */
function joinLists(lists: readonly StringList[]): StringList {
  if (lists.length === 1) return lists[0];
  if (!lists.every((list) => list instanceof AsciiStrings)) {
    return ([] as string[]).concat(
      ...lists.map((list) => (list instanceof AsciiStrings ? list.strings() : list)),
    );
  }
  let count = 0;
  for (const list of lists) count += list.length;
  const starts = new Float64Array(count + 1);
  let k = 0;
  let base = 0;
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) starts[k++] = base + list.starts[i];
    base += list.starts[list.length];
  }
  starts[count] = base;
  return new AsciiStrings(
    Buffer.concat(lists.map((list) => list.bytes.subarray(0, list.starts[list.length]))),
    starts,
  );
}
