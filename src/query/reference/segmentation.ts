// `segmentation` and `segmentation/numeric`: one event's count (or users, or events per user) per
// bucket, whole or split by the value of `on`.

import type { NumericParams, SegmentationParams } from "../params.js";
import { bucketIndex } from "../time-buckets.js";
import { periodBuckets } from "./buckets.js";
import type { Dataset } from "./dataset.js";
import { evaluateOn, passes, segmentsOf } from "./expressions.js";
import { numericRanges, rangeIndex } from "./numeric-buckets.js";
import { prepare, type QueryEvent } from "./query-events.js";
import { type SeriesReply, SeriesTally, seriesReply, topSegments } from "./series.js";

export function segmentation(dataset: Dataset, params: SegmentationParams): SeriesReply {
  const { events, ctx } = prepare(dataset);
  const buckets = periodBuckets(dataset, params.period, params.unit);
  const tally = new SeriesTally();
  for (const e of events) {
    if (e.name !== params.event) continue;
    const b = bucketIndex(buckets, e.time);
    if (b < 0 || !passes(params.where, e, ctx)) continue;
    const segments = params.on === undefined ? [params.event] : segmentsOf(params.on, e, ctx);
    for (const segment of segments) tally.count(segment, b, e.user);
  }
  // Without `on` the one series is the event's, listed even when it never happened.
  const listed =
    params.on === undefined
      ? [params.event]
      : topSegments(tally, buckets.labels.length, params.type, params.limit);
  return seriesReply(buckets.labels, tally, params.type, listed);
}

interface NumericEvent {
  readonly e: QueryEvent;
  readonly bucket: number;
  readonly numbers: readonly number[];
}

/**
 * Segments are ranges of the numeric values of `on` (see numeric-buckets.ts); values that are not
 * numbers are left out, and a list counts each distinct number in it. Every range is listed, lowest
 * first; `limit` does not apply (there are at most `buckets` ranges).
 */
export function segmentationNumeric(dataset: Dataset, params: NumericParams): SeriesReply {
  const { events, ctx } = prepare(dataset);
  const buckets = periodBuckets(dataset, params.period, params.unit);
  const kept: NumericEvent[] = [];
  for (const e of events) {
    if (e.name !== params.event) continue;
    const bucket = bucketIndex(buckets, e.time);
    if (bucket < 0 || !passes(params.where, e, ctx)) continue;
    const numbers = numbersIn(evaluateOn(params.on, e, ctx));
    if (numbers.length > 0) kept.push({ e, bucket, numbers });
  }
  const tally = new SeriesTally();
  if (kept.length === 0) return seriesReply(buckets.labels, tally, params.type, []);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const k of kept) for (const n of k.numbers) [min, max] = [Math.min(min, n), Math.max(max, n)];
  const ranges = numericRanges(min, max, params.buckets);
  for (const { e, bucket, numbers } of kept) {
    const labels = new Set(numbers.map((n) => ranges.labels[rangeIndex(ranges, n)]));
    for (const label of labels) tally.count(label, bucket, e.user);
  }
  return seriesReply(buckets.labels, tally, params.type, ranges.labels);
}

function numbersIn(v: unknown): number[] {
  if (typeof v === "number") return [v];
  if (!Array.isArray(v)) return [];
  return [...new Set(v.filter((x): x is number => typeof x === "number"))];
}
