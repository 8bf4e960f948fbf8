// The ranges of segmentation/numeric: at most `maxRanges` equal ranges with round bounds that
// cover every value, labelled like "2,000 - 2,100". The algorithm, exactly (the fast engine reuses
// this module, so the two cannot disagree):
//
// 1. s = max − min over all values; if that is 0, s = |min|, and if that is 0 too, s = 1.
// 2. The width w is the smallest number of the form m·10^e (m in 1, 2, 5; e any integer) with
//    w ≥ s / maxRanges for which the ranges from the one holding min to the one holding max number
//    at most maxRanges. Range k is [k·w, (k+1)·w); the bounds are computed as (k·m)·10^e, or
//    (k·m)/10^−e when e < 0, so each is the double nearest the decimal it names.
// 3. Every range from min's to max's is listed, empty ones in between included, lowest first.
// 4. A label is "low - high", each bound in JavaScript's shortest form with commas grouping the
//    thousands of its integer part ("1,500", "0.25", "-2,000", "1e+21").

export interface NumericRanges {
  /** Labels, lowest range first. */
  readonly labels: readonly string[];
  /** Multiplier and exponent of the width: w = m·10^e. */
  readonly m: number;
  readonly e: number;
  /** k of the first range. */
  readonly firstK: number;
}

const MANTISSAS = [1, 2, 5];

export function numericRanges(min: number, max: number, maxRanges: number): NumericRanges {
  const spread = max - min !== 0 ? max - min : Math.abs(min) !== 0 ? Math.abs(min) : 1;
  // Halves first when the spread itself is beyond the range of doubles.
  const least = Number.isFinite(spread) ? spread / maxRanges : max / maxRanges - min / maxRanges;
  for (let e = Math.floor(Math.log10(least)) - 1; ; e++) {
    for (const m of MANTISSAS) {
      if (width(m, e) < least) continue;
      const firstK = kOf(min, m, e);
      const count = kOf(max, m, e) - firstK + 1;
      if (count <= maxRanges) return { labels: labelsOf(firstK, count, m, e), m, e, firstK };
    }
  }
}

/** Which range (0 = lowest) a value falls in. */
export function rangeIndex(ranges: NumericRanges, value: number): number {
  const index = kOf(value, ranges.m, ranges.e) - ranges.firstK;
  return Math.max(0, Math.min(ranges.labels.length - 1, index));
}

function width(m: number, e: number): number {
  return bound(1, m, e);
}

function bound(k: number, m: number, e: number): number {
  return e >= 0 ? k * m * 10 ** e : (k * m) / 10 ** -e;
}

/** The k with bound(k) ≤ v < bound(k + 1), corrected for rounding in the division. */
function kOf(v: number, m: number, e: number): number {
  let k = Math.floor(v / width(m, e));
  while (bound(k, m, e) > v) k--;
  while (bound(k + 1, m, e) <= v) k++;
  return k;
}

function labelsOf(firstK: number, count: number, m: number, e: number): string[] {
  const labels: string[] = [];
  for (let k = firstK; k < firstK + count; k++) {
    labels.push(`${grouped(bound(k, m, e))} - ${grouped(bound(k + 1, m, e))}`);
  }
  return labels;
}

function grouped(n: number): string {
  const text = String(n === 0 ? 0 : n);
  const parts = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (parts === null) return text;
  return parts[1] + parts[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (parts[3] ?? "");
}
