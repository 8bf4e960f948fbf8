// Sums of doubles that do not depend on the order of the additions: Shewchuk's exact partials
// (the algorithm of Python's math.fsum), rounded once at the end. Sums, averages and funnel times
// go through it, so an engine that adds per segment file, per worker or in any other order gets
// the very same double as the reference.

const SCALE = 2 ** 64;
const UNSCALE = 2 ** -64;

export class ExactSum {
  /** Non-overlapping partial sums, smallest magnitude first; their exact total is the sum. */
  private partials: number[] = [];
  /**
   * Kept only for sums beyond the range of doubles, where exactness is moot; scaled down by 2^64 so
   * that an average of values near the largest double can still be computed.
   */
  private naive = 0;
  private overflowed = false;

  add(x: number): void {
    this.naive += x * UNSCALE;
    this.addExact(x);
  }

  /** Adds another sum's exact value, for merging partial aggregates. */
  merge(other: ExactSum): void {
    for (const p of other.partials) this.addExact(p);
    this.naive += other.naive;
    if (other.overflowed) this.overflowed = true;
  }

  /**
   * The sum divided by `count`, for an average: finite whenever the average is, even when the sum
   * itself passed the largest double (then from the scaled running sum, not exactly).
   */
  dividedBy(count: number): number {
    return this.overflowed ? (this.naive / count) * SCALE : this.value() / count;
  }

  private addExact(x: number): void {
    let value = x;
    let kept = 0;
    for (let i = 0; i < this.partials.length; i++) {
      let y = this.partials[i];
      if (Math.abs(value) < Math.abs(y)) [value, y] = [y, value];
      const hi = value + y;
      const lo = y - (hi - value);
      if (lo !== 0) this.partials[kept++] = lo;
      value = hi;
    }
    if (!Number.isFinite(value)) this.overflowed = true;
    this.partials.length = kept;
    this.partials.push(value);
  }

  /** The exact sum rounded to the nearest double (ties to even). */
  value(): number {
    if (this.overflowed) return this.naive * SCALE;
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half to even correctly when the rest lies exactly halfway.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

export function exactSum(values: Iterable<number>): number {
  const sum = new ExactSum();
  for (const v of values) sum.add(v);
  return sum.value();
}
