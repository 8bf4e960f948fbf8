// Exact sums of durations (seconds between two event times) in flat typed arrays, one per cell,
// rounded once when read, so that they equal the reference's ExactSum whatever the order of the
// additions. A time between 2^30 and 2^31 seconds (2004 to 2038) is a whole multiple of 2^-22, and
// so is the difference of two of them: scaled by 2^22 each duration is an integer, split in a high
// and a low part that add up exactly in doubles. A duration that is not such a multiple (earlier
// times, sub-microsecond fractions) goes to an ExactSum of its cell instead.

import { ExactSum } from "../reference/exact-sum.js";

const SCALE = 2 ** 22;
const SPLIT = 2 ** 26;
/** Scaled durations below this split exactly (a conversion window is far shorter). */
const MAX_SCALED = 2 ** 52;

export class TimeSums {
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly odd = new Map<number, ExactSum>();

  constructor(cells: number) {
    this.high = new Float64Array(cells);
    this.low = new Float64Array(cells);
  }

  /** Hot path: adds `seconds` (≥ 0) to a cell. */
  add(cell: number, seconds: number): void {
    const scaled = seconds * SCALE;
    if (scaled === Math.floor(scaled) && scaled < MAX_SCALED) {
      const high = Math.floor(scaled / SPLIT);
      this.high[cell] += high;
      this.low[cell] += scaled - high * SPLIT;
      return;
    }
    this.oddSum(cell).add(seconds);
  }

  private oddSum(cell: number): ExactSum {
    let sum = this.odd.get(cell);
    if (sum === undefined) {
      sum = new ExactSum();
      this.odd.set(cell, sum);
    }
    return sum;
  }

  /** The exact sum of a cell, rounded to the nearest double. */
  value(cell: number): number {
    const sum = new ExactSum();
    const odd = this.odd.get(cell);
    if (odd !== undefined) sum.merge(odd);
    // Both parts are exact: the counts of additions keep them far below 2^53, and the scaling is
    // by powers of two.
    sum.add((this.high[cell] * SPLIT) / SCALE);
    sum.add(this.low[cell] / SCALE);
    return sum.value();
  }
}
