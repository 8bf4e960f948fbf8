// The ranges of segmentation/numeric: at most `maxRanges` equal ranges with round bounds that
// cover every value, labelled like "2,000 - 2,100". The algorithm, exactly (the fast engine reuses
// this module, so the two cannot disagree):
//
// 1. s = max − min over all values; if that is 0, s = |min|, and if that is 0 too, s = 1. Values on
//    both sides of 0 need two ranges however wide they are, so then maxRanges is at least 2.
// 2. The width w is the smallest number of the form m·10^e (m in 1, 2, 5; e an integer) with
//    w ≥ s / maxRanges for which the ranges from the one holding min to the one holding max number
//    at most maxRanges, and whose range numbers k stay below 2^50 in size (past that, k·m and its
//    neighbours are no longer exact doubles: for ids in the 1e17s sent as numbers, the ranges are
//    wider than their spread asks). Range k is [k·w, (k+1)·w); each bound is the double nearest the
//    decimal k·m·10^e (computed as (k·m)·10^e, or (k·m)/10^−e when e < 0, while 10^|e| is exact;
//    from the decimal's text beyond), so bounds stay round at any exponent, subnormals included. A
//    width past the largest double is Infinity: its ranges are [0, Infinity) and [-Infinity, 0).
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
/** Range numbers below this in size keep k·m, and k ± 1, exact. */
const MAX_K = 2 ** 50;
/** The exponents a width can have: 5·10^−324 is the least double, and 2·10^308 is past the largest. */
const MIN_EXPONENT = -324;
const MAX_EXPONENT = 308;
/** 10^e is exact for these exponents. */
const EXACT_EXPONENT = 22;

export function numericRanges(min: number, max: number, maxRanges: number): NumericRanges {
  const most = min < 0 && max >= 0 ? Math.max(2, maxRanges) : maxRanges;
  const spread = max - min !== 0 ? max - min : Math.abs(min) !== 0 ? Math.abs(min) : 1;
  // Halves first when the spread itself is beyond the range of doubles; never below the least double.
  const least = Math.max(Number.isFinite(spread) ? spread / most : max / most - min / most, Number.MIN_VALUE);
  for (let e = Math.max(Math.floor(Math.log10(least)) - 1, MIN_EXPONENT); e <= MAX_EXPONENT; e++) {
    for (const m of MANTISSAS) {
      const w = width(m, e);
      if (w < least || !(Math.abs(min) / w < MAX_K && Math.abs(max) / w < MAX_K)) continue;
      const firstK = kOf(min, m, e);
      const count = kOf(max, m, e) - firstK + 1;
      if (count <= most) return { labels: labelsOf(firstK, count, m, e), m, e, firstK };
    }
  }
  // Unreachable for finite values: a width of Infinity takes any of them in at most two ranges.
  throw new RangeError(`no ranges for values from ${min} to ${max}`);
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
  if (k === 0) return 0;
  if (Math.abs(e) <= EXACT_EXPONENT) return e >= 0 ? k * m * 10 ** e : (k * m) / 10 ** -e;
  return Number(`${k * m}e${e}`);
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
