// The series replies of segmentation, events and events/properties (spec/query-api.md):
// `{"data": {"series", "values"}, "legend_size"}`, with `limit` keeping the segments of largest
// total (the exact sum of their values over the series; ties to the smaller key in code-point
// order). Objects keyed by segment names have no prototype.

import { compareCodePoints } from "../../expr/runtime.js";
import type { AggregateType } from "../params.js";
import { ExactSum } from "../reference/exact-sum.js";
import { checkReplySize, type EngineLimits } from "./limits.js";
import type { SeriesCounts } from "./series-counts.js";

export interface SeriesReply {
  readonly data: {
    readonly series: readonly string[];
    readonly values: Record<string, Record<string, number>>;
  };
  readonly legend_size: number;
}

/** Looks up a segment's number by its key; undefined for a key never met. */
export type SegmentLookup = (name: string) => number | undefined;

export function segmentTotal(counts: SeriesCounts, segment: number, type: AggregateType): number {
  if (type !== "average") {
    // Counts are whole numbers far below 2^53: plain addition is exact.
    let total = 0;
    for (let b = 0; b < counts.buckets; b++) total += counts.value(segment, b, type);
    return total;
  }
  const sum = new ExactSum();
  for (let b = 0; b < counts.buckets; b++) sum.add(counts.value(segment, b, type));
  return sum.value();
}

/** The `limit` keys with the largest totals, ties by code point. */
export function rankByTotal(totals: readonly (readonly [string, number])[], limit: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]))
    .slice(0, limit)
    .map(([key]) => key);
}

export function topSegments(
  names: readonly string[],
  counts: SeriesCounts,
  type: AggregateType,
  limit: number,
): string[] {
  return rankByTotal(
    names.map((name, segment) => [name, segmentTotal(counts, segment, type)] as const),
    limit,
  );
}

/**
 * Refuses, before any work, a series reply that lists `listed` in every bucket of `labels` past the
 * query's bounds: each value is written with its date label (`"2024-01-01 10:00:00": 12,`).
 */
export function checkSeriesReply(
  listed: readonly string[],
  labels: readonly string[],
  limits: EngineLimits,
): void {
  checkReplySize(listed.length * labels.length, (labels[0]?.length ?? 10) + 16, limits);
}

export function seriesReply(
  labels: readonly string[],
  counts: SeriesCounts,
  type: AggregateType,
  listed: readonly string[],
  lookup: SegmentLookup,
): SeriesReply {
  const values: Record<string, Record<string, number>> = Object.create(null);
  for (const name of listed) {
    const segment = lookup(name);
    const byDate: Record<string, number> = {};
    for (let b = 0; b < labels.length; b++) {
      byDate[labels[b]] = segment === undefined ? 0 : counts.value(segment, b, type);
    }
    values[name] = byDate;
  }
  return { data: { series: [...labels], values }, legend_size: listed.length };
}
