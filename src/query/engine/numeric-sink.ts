// Collects, per kept row, its bucket, user and the distinct numbers of `on`, for
// segmentation/numeric: ranges depend on the minimum and maximum over the whole range, so rows are
// counted into ranges only once every number has been seen. Rows are held in typed arrays.

import { Tag } from "../../expr/columns.js";
import type { BoundExpr, CompiledExpr } from "../../expr/compile.js";
import type { Value } from "../../expr/value.js";
import { plainRead, readColumn } from "./column-read.js";
import { PerBatch } from "./per-batch.js";
import type { QueryMemory } from "./query-memory.js";
import type { KeptRows, RowSink } from "./scan.js";
import type { ScanBatch } from "./scan-batch.js";

/** Only numbers count; a list counts each distinct number in it. */
function numbersIn(v: Value): number[] {
  if (typeof v === "number") return [v];
  if (!Array.isArray(v)) return [];
  return [...new Set(v.filter((x): x is number => typeof x === "number"))];
}

export class NumericSink implements RowSink {
  /** Per collected row: bucket, user, and where its numbers start in `numbers`. */
  buckets = new Int32Array(1024);
  users = new Int32Array(1024);
  starts = new Int32Array(1025);
  numbers = new Float64Array(1024);
  rows = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  private readonly bound: PerBatch<ScanBatch, BoundExpr>;
  /** An `on` that is not a plain property read is evaluated per row. */
  readonly takesChunks: boolean;

  constructor(
    private readonly on: CompiledExpr,
    private readonly memory?: QueryMemory,
  ) {
    this.bound = new PerBatch((batch) => on.bind(batch));
    this.takesChunks = plainRead(on) === null;
  }

  /** How many users the query met. */
  userCount = 0;

  begin(users: number): void {
    this.userCount = users;
  }

  take(kept: KeptRows): void {
    const read = plainRead(this.on);
    if (read !== null) {
      const column = readColumn(kept.batch, read);
      if (column === undefined) return;
      const { tags, numbers } = column;
      for (let k = 0; k < kept.count; k++) {
        const row = kept.rows[k];
        const tag = tags[row];
        if (tag === Tag.Number) this.addNumber(kept, k, (numbers as Float64Array)[row]);
        else if (tag === Tag.Other) this.add(kept, k, numbersIn(column.others.get(row)));
      }
      return;
    }
    const bound = this.bound.of(kept.batch);
    for (let k = 0; k < kept.count; k++) this.add(kept, k, numbersIn(bound.valueAt(kept.rows[k])));
  }

  private add(kept: KeptRows, k: number, values: readonly number[]): void {
    if (values.length === 0) return;
    this.addNumber(kept, k, values[0]);
    for (let j = 1; j < values.length; j++) this.push(values[j]);
  }

  /** Starts a collected row with its first number. */
  private addNumber(kept: KeptRows, k: number, v: number): void {
    const r = this.rows;
    if (r + 1 >= this.buckets.length) this.growRows();
    this.buckets[r] = kept.buckets[k];
    this.users[r] = kept.users[k];
    this.starts[r + 1] = this.starts[r];
    this.rows = r + 1;
    this.push(v);
  }

  /** Adds a number to the last collected row. */
  private push(v: number): void {
    const end = this.starts[this.rows];
    if (end >= this.numbers.length) {
      this.memory?.charge(this.numbers.length * 8, "the numbers of its rows");
      this.numbers = grown(this.numbers, this.numbers.length * 2);
    }
    this.numbers[end] = v;
    this.starts[this.rows] = end + 1;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  private growRows(): void {
    this.memory?.charge(this.buckets.length * 12, "the numbers of its rows");
    const size = this.buckets.length * 2;
    this.buckets = grownInt(this.buckets, size);
    this.users = grownInt(this.users, size);
    this.starts = grownInt(this.starts, size + 1);
  }
}

function grown(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(size);
  out.set(a);
  return out;
}

function grownInt(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(size);
  out.set(a);
  return out;
}
