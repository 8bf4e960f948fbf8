// One variant column of a segment, decoded part by part on first use: a filter on numbers never
// decodes the dictionary, and lists and objects (JSON texts) are parsed only when something asks.
// Values are stored densely per kind; they are spread back to one slot per row here.

import { type PropertyColumn, Tag } from "../expr/columns.js";
import type { Value } from "../expr/value.js";
import {
  decodeNumbersBody,
  decodeStringListBody,
  decodeStringsBody,
  decodeTagsBody,
} from "./column-codec.js";
import { corrupt } from "./errors.js";
import type { VariantRefs } from "./segment-format.js";
import type { SegmentFile } from "./segment-reader.js";

const NO_OTHERS: ReadonlyMap<number, Value> = new Map();

export class SegmentColumn implements PropertyColumn {
  private tagsCache: Uint8Array | null = null;
  private numbersCache: Float64Array | null | undefined;
  private codesCache: Int32Array | null | undefined;
  private dictionaryCache: readonly string[] | undefined;
  private othersCache: ReadonlyMap<number, Value> | undefined;

  constructor(
    private readonly file: SegmentFile,
    private readonly refs: VariantRefs,
    private readonly rows: number,
    private readonly what: string,
  ) {}

  get tags(): Uint8Array {
    this.tagsCache ??= decodeTagsBody(
      this.file.readBlock(this.refs.tags, `${this.what} tags`),
      this.rows,
      `${this.file.path} (${this.what} tags)`,
    );
    return this.tagsCache;
  }

  get numbers(): Float64Array | null {
    if (this.numbersCache === undefined) this.numbersCache = this.loadNumbers();
    return this.numbersCache;
  }

  get codes(): Int32Array | null {
    if (this.codesCache === undefined) this.loadStrings();
    return this.codesCache ?? null;
  }

  get dictionary(): readonly string[] {
    if (this.dictionaryCache === undefined) this.loadStrings();
    return this.dictionaryCache ?? [];
  }

  get others(): ReadonlyMap<number, Value> {
    this.othersCache ??= this.loadOthers();
    return this.othersCache;
  }

  private where(part: string): string {
    return `${this.file.path} (${this.what} ${part})`;
  }

  /** Checks that exactly `count` rows carry `tag`, as the footer said. */
  private checkCount(seen: number, count: number, part: string): void {
    if (seen !== count) throw corrupt(this.where(part), `${seen} rows tagged for ${count} values`);
  }

  private loadNumbers(): Float64Array | null {
    const { numbers, numberCount } = this.refs;
    if (numbers === null) return null;
    const dense = decodeNumbersBody(
      this.file.readBlock(numbers, `${this.what} numbers`),
      numberCount,
      this.where("numbers"),
    );
    const tags = this.tags;
    const out = new Float64Array(this.rows).fill(Number.NaN);
    let k = 0;
    for (let i = 0; i < tags.length; i++) if (tags[i] === Tag.Number) out[i] = dense[k++];
    this.checkCount(k, numberCount, "numbers");
    return out;
  }

  private loadStrings(): void {
    const { strings, stringCount } = this.refs;
    if (strings === null) {
      this.codesCache = null;
      this.dictionaryCache = [];
      return;
    }
    const decoded = decodeStringsBody(
      this.file.readBlock(strings, `${this.what} strings`),
      stringCount,
      this.where("strings"),
    );
    const tags = this.tags;
    const out = new Int32Array(this.rows).fill(-1);
    let k = 0;
    for (let i = 0; i < tags.length; i++) if (tags[i] === Tag.String) out[i] = decoded.codes[k++];
    this.checkCount(k, stringCount, "strings");
    this.codesCache = out;
    this.dictionaryCache = decoded.dictionary;
  }

  private loadOthers(): ReadonlyMap<number, Value> {
    const { others, otherCount } = this.refs;
    if (others === null) return NO_OTHERS;
    const texts = decodeStringListBody(
      this.file.readBlock(others, `${this.what} others`),
      otherCount,
      this.where("others"),
    );
    const tags = this.tags;
    const out = new Map<number, Value>();
    let k = 0;
    for (let i = 0; i < tags.length; i++) {
      if (tags[i] !== Tag.Other) continue;
      if (k >= texts.length) break;
      out.set(i, parseJson(texts[k++], this.where("others")));
    }
    this.checkCount(k, otherCount, "others");
    return out;
  }
}

function parseJson(text: string, where: string): Value {
  try {
    return JSON.parse(text) as Value;
  } catch {
    throw corrupt(where, "a stored value is not JSON");
  }
}
