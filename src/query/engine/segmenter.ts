// Which segments a kept row falls in, by the value of an expression (`on`) or of one property
// (events/properties): strings as they are, numbers by `string()`, absent as "undefined" (or no
// segment), null as "null", a list as one segment per distinct element. An `on` that is a plain
// property read takes the column fast path: dictionary codes map to segment numbers once per
// batch, and only lists, objects and other values go through the general rule.

import type { PropertyNode } from "../../expr/ast.js";
import { columnValue, type PropertyColumn, Tag } from "../../expr/columns.js";
import type { CompiledExpr } from "../../expr/compile.js";
import { segmentKeys } from "../../expr/runtime.js";
import type { Value } from "../../expr/value.js";
import { plainRead, readColumn } from "./column-read.js";
import { PerBatch } from "./per-batch.js";
import type { ScanBatch } from "./scan-batch.js";
import type { SegmentIds } from "./segment-ids.js";

/** One batch's segmenter: `segmentsOf` writes into `out` (which it may replace) and returns how many. */
export interface BatchSegments {
  out: Int32Array;
  segmentsOf(row: number): number;
}

export interface ValueSegmenterOptions {
  /** Whether an absent value is the segment "undefined" (`on`) or no segment (events/properties). */
  readonly absentIsSegment: boolean;
  readonly timeZone: string;
}

export class ValueSegmenter {
  private readonly read: PropertyNode | null;
  private readonly byNumber = new Map<number, number>();

  constructor(
    private readonly expr: CompiledExpr,
    readonly ids: SegmentIds,
    private readonly options: ValueSegmenterOptions,
  ) {
    this.read = plainRead(expr);
  }

  /**
   * Whether a row's segments come from evaluating `on`; a plain property read maps dictionary codes
   * once per batch, and costs next to nothing a row (so its sink need not take rows in chunks).
   */
  get evaluatesPerRow(): boolean {
    return this.read === null;
  }

  /** The batch's segmenter, made once per batch however many chunks of it the scan hands over. */
  bind(batch: ScanBatch): BatchSegments {
    return this.bound.of(batch);
  }

  private readonly bound = new PerBatch((batch: ScanBatch) => this.bindNew(batch));

  private bindNew(batch: ScanBatch): BatchSegments {
    if (this.read === null) return new ValueSegments(this, this.expr.bind(batch).valueAt);
    const column = readColumn(batch, this.read);
    return column === undefined ? new ValueSegments(this, () => undefined) : new ColumnSegments(this, column);
  }

  numberSegment(n: number): number {
    let id = this.byNumber.get(n);
    if (id === undefined) {
      id = this.ids.idOf(String(n));
      this.byNumber.set(n, id);
    }
    return id;
  }

  /** The segments of a value by the general rule, written to `out` (grown when a list needs it). */
  keysOf(value: Value, target: BatchSegments): number {
    if (value === undefined && !this.options.absentIsSegment) return 0;
    const keys = segmentKeys(value, this.options.timeZone);
    if (target.out.length < keys.length) target.out = new Int32Array(keys.length * 2);
    for (let k = 0; k < keys.length; k++) target.out[k] = this.ids.idOf(keys[k]);
    return keys.length;
  }
}

class ValueSegments implements BatchSegments {
  out = new Int32Array(4);

  constructor(
    private readonly segmenter: ValueSegmenter,
    private readonly valueAt: (row: number) => Value,
  ) {}

  segmentsOf(row: number): number {
    return this.segmenter.keysOf(this.valueAt(row), this);
  }
}

/** Segment ids of "undefined", "null", "false", "true" by tag, resolved on first use. */
const UNRESOLVED = -1;

class ColumnSegments implements BatchSegments {
  out = new Int32Array(4);
  private readonly byCode: Int32Array;
  private readonly byTag = new Int32Array(4).fill(UNRESOLVED);

  constructor(
    private readonly segmenter: ValueSegmenter,
    private readonly column: PropertyColumn,
  ) {
    this.byCode = new Int32Array(column.dictionary.length).fill(UNRESOLVED);
  }

  segmentsOf(row: number): number {
    const tag = this.column.tags[row];
    let id: number;
    if (tag === Tag.String) {
      const code = (this.column.codes as Int32Array)[row];
      id = this.byCode[code];
      if (id === UNRESOLVED) {
        id = this.segmenter.ids.idOf(this.column.dictionary[code]);
        this.byCode[code] = id;
      }
    } else if (tag === Tag.Number) {
      id = this.segmenter.numberSegment((this.column.numbers as Float64Array)[row]);
    } else if (tag === Tag.Other) {
      return this.segmenter.keysOf(columnValue(this.column, row), this);
    } else {
      id = this.byTag[tag];
      if (id === UNRESOLVED) {
        const n = this.segmenter.keysOf(columnValue(this.column, row), this);
        if (n === 0) return 0;
        id = this.out[0];
        this.byTag[tag] = id;
      }
    }
    this.out[0] = id;
    return 1;
  }
}
