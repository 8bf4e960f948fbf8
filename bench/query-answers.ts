// What the two sides must agree on, in one plain shape per kind of query: the numbers per segment
// per date, per step per date, per cohort. Tally's replies and DuckDB's rows are both turned into
// these, and `differences` lists where they disagree.

import type { QueryRange } from "./query-queries.js";

/** segment → a value per date of `dates`. */
export interface SeriesAnswer {
  readonly kind: "series";
  readonly dates: string[];
  readonly values: Record<string, number[]>;
}

export interface FunnelDate {
  readonly counts: number[];
  /** Per step: mean seconds from the previous step, and from the entry (null for step 1 and unreached steps). */
  readonly avgTime: (number | null)[];
  readonly avgFromStart: (number | null)[];
}

export interface FunnelAnswer {
  readonly kind: "funnel";
  readonly dates: string[];
  readonly byDate: FunnelDate[];
}

export interface RetentionAnswer {
  readonly kind: "retention";
  readonly dates: string[];
  readonly cohorts: { first: number; counts: number[] }[];
}

export type Answer = SeriesAnswer | FunnelAnswer | RetentionAnswer;

export function dayLabel(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

export function rangeDays(range: QueryRange): string[] {
  const out: string[] = [];
  for (let t = range.from; t < range.to; t += 86_400) out.push(dayLabel(t / 86_400));
  return out;
}

/** Mondays of the weeks the range touches (the range starts on a Monday). */
export function rangeWeeks(range: QueryRange): string[] {
  const out: string[] = [];
  for (let t = range.from; t < range.to; t += 7 * 86_400) out.push(dayLabel(t / 86_400));
  return out;
}

/** Average times are rounded once from a float sum on each side, so a mean at exactly .5 may differ by 1. */
const TIME_TOLERANCE = 1;

function sameTime(a: number | null, b: number | null): boolean {
  return a === null || b === null ? a === b : Math.abs(a - b) <= TIME_TOLERANCE;
}

/** Entry i is named by `labels[i]` (a date) when given, else by its index. */
function compareList<T>(
  path: string,
  a: readonly T[],
  b: readonly T[],
  out: string[],
  labels?: readonly string[],
  same: (x: T, y: T) => boolean = (x, y) => x === y,
): void {
  if (a.length !== b.length) out.push(`${path}: ${a.length} entries against ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const at = labels === undefined ? `[${i}]` : ` ${labels[i]}`;
    if (!same(a[i], b[i])) out.push(`${path}${at}: ${JSON.stringify(a[i])} against ${JSON.stringify(b[i])}`);
  }
}

function seriesDifferences(a: SeriesAnswer, b: SeriesAnswer, out: string[]): void {
  const segments = new Set([...Object.keys(a.values), ...Object.keys(b.values)]);
  for (const s of segments) {
    const zeros = a.dates.map(() => 0);
    compareList(`segment ${JSON.stringify(s)}`, a.values[s] ?? zeros, b.values[s] ?? zeros, out, a.dates);
  }
}

function funnelDifferences(a: FunnelAnswer, b: FunnelAnswer, out: string[]): void {
  a.byDate.forEach((x, d) => {
    const y = b.byDate[d] ?? { counts: [], avgTime: [], avgFromStart: [] };
    const at = a.dates[d];
    compareList(`${at} counts`, x.counts, y.counts, out);
    compareList(`${at} avg_time`, x.avgTime, y.avgTime, out, undefined, sameTime);
    compareList(`${at} avg_time_from_start`, x.avgFromStart, y.avgFromStart, out, undefined, sameTime);
  });
}

function retentionDifferences(a: RetentionAnswer, b: RetentionAnswer, out: string[]): void {
  a.cohorts.forEach((x, d) => {
    const y = b.cohorts[d] ?? { first: 0, counts: [] };
    const at = a.dates[d];
    if (x.first !== y.first) out.push(`${at} first: ${x.first} against ${y.first}`);
    compareList(`${at} counts`, x.counts, y.counts, out);
  });
}

/** Where `a` and `b` disagree, as lines; empty when they answer the same. */
export function differences(a: Answer, b: Answer): string[] {
  const out: string[] = [];
  if (a.kind !== b.kind) return [`kinds differ: ${a.kind} against ${b.kind}`];
  compareList("dates", a.dates, b.dates, out);
  if (a.kind === "series") seriesDifferences(a, b as SeriesAnswer, out);
  if (a.kind === "funnel") funnelDifferences(a, b as FunnelAnswer, out);
  if (a.kind === "retention") retentionDifferences(a, b as RetentionAnswer, out);
  return out;
}

/** A one-line summary, so a run shows the answers are not trivially empty. */
export function summary(a: Answer): string {
  const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
  if (a.kind === "series") {
    return Object.entries(a.values)
      .map(([s, v]) => `${s} ${sum(v)}`)
      .join(", ");
  }
  if (a.kind === "funnel") {
    const steps = a.byDate[0]?.counts.map((_, i) => sum(a.byDate.map((d) => d.counts[i]))) ?? [];
    return `passes per step ${steps.join(" → ")}`;
  }
  return `cohorts ${a.cohorts.map((c) => c.first).join(", ")}; week 1 back ${a.cohorts.map((c) => c.counts[1]).join(", ")}`;
}
