// What each kept row of a batch does in a per-user scan, as bits: a funnel step, or being born or
// returning in retention. A bit that needs an expression (a step's selector, `born_where`, `where`)
// is set on the rows of one event (or of any) before a time that the expression keeps, run once
// per batch over just those rows. Hot path: typed arrays, no closures.

import type { BoundExpr, CompiledExpr } from "../../expr/compile.js";
import { PerBatch } from "./per-batch.js";
import type { KeptRows } from "./scan.js";
import type { ScanBatch } from "./scan-batch.js";

/** In place of an event number: rows of every event. */
export const ANY_EVENT = -2;

export class RowMarks {
  masks = new Int32Array(0);
  private picked = new Uint32Array(0);
  private positions = new Int32Array(0);
  /** Each filter bound once per batch, however many chunks of it come. */
  private readonly bindings = new Map<CompiledExpr, PerBatch<ScanBatch, BoundExpr>>();

  private reserve(count: number): void {
    if (this.masks.length >= count) return;
    this.masks = new Int32Array(count);
    this.picked = new Uint32Array(count);
    this.positions = new Int32Array(count);
  }

  /**
   * Lets go of the query's filters and the batches they were bound to: the marks live in pooled
   * timelines, which must not keep one query's segments for the next.
   */
  forget(): void {
    this.bindings.clear();
  }

  /** Sets the marks of the first `count` rows to `bits`. */
  fill(count: number, bits: number): void {
    this.reserve(count);
    this.masks.fill(bits, 0, count);
  }

  /** Sets `bit` on the kept rows whose entry of `events` (one per kept row) is `event` and that `filter` keeps. */
  markEvent(
    kept: KeptRows,
    events: Int32Array,
    event: number,
    filter: CompiledExpr | undefined,
    bit: number,
  ): void {
    const { picked, positions } = this;
    const rows = kept.rows;
    let n = 0;
    for (let k = 0; k < kept.count; k++) {
      if (events[k] !== event) continue;
      picked[n] = rows[k];
      positions[n++] = k;
    }
    this.apply(kept, n, filter, bit);
  }

  /**
   * Sets `bit` on the kept rows whose code in the batch's events dictionary is `code` (any row for
   * ANY_EVENT), whose time is before `until`, and that `filter` keeps.
   */
  markCode(kept: KeptRows, code: number, until: number, filter: CompiledExpr | undefined, bit: number): void {
    const { picked, positions } = this;
    const { rows, count } = kept;
    const time = kept.batch.time;
    const codes = kept.batch.events.codes;
    const any = code === ANY_EVENT;
    let n = 0;
    for (let k = 0; k < count; k++) {
      const row = rows[k];
      if ((!any && codes[row] !== code) || !(time[row] < until)) continue;
      picked[n] = row;
      positions[n++] = k;
    }
    this.apply(kept, n, filter, bit);
  }

  /** Sets `bit` on the `n` picked rows that `filter` keeps (all of them without a filter). */
  private apply(kept: KeptRows, n: number, filter: CompiledExpr | undefined, bit: number): void {
    const { picked, positions, masks } = this;
    if (n === 0) return;
    if (filter === undefined) {
      for (let j = 0; j < n; j++) masks[positions[j]] |= bit;
      return;
    }
    const m = this.bound(filter, kept.batch).filterSelection(picked, n, picked);
    // The rows the filter keeps are a subsequence of the picked ones, in order.
    let p = 0;
    for (let j = 0; j < m; j++) {
      while (kept.rows[positions[p]] !== picked[j]) p++;
      masks[positions[p++]] |= bit;
    }
  }

  private bound(filter: CompiledExpr, batch: ScanBatch): BoundExpr {
    let binding = this.bindings.get(filter);
    if (binding === undefined) {
      binding = new PerBatch((b: ScanBatch) => filter.bind(b));
      this.bindings.set(filter, binding);
    }
    return binding.of(batch);
  }
}
