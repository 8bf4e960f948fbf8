// `segmentation/sum` and `segmentation/average`: the numeric value of `on` over one event's
// occurrences, summed or averaged per bucket. A value that is not a number counts as 0, in the
// average's count too; sums are exact (exact-sum.ts), so the order of addition cannot matter.

import type { SumParams } from "../params.js";
import { bucketIndex } from "../time-buckets.js";
import { periodBuckets } from "./buckets.js";
import type { Dataset } from "./dataset.js";
import { ExactSum } from "./exact-sum.js";
import { evaluateOn, passes } from "./expressions.js";
import { prepare } from "./query-events.js";

export interface SumReply {
  readonly status: "ok";
  /** When the query ran: `now`, ISO 8601 in UTC. */
  readonly computed_at: string;
  readonly results: Record<string, number>;
}

export interface AverageReply {
  readonly status: "ok";
  readonly results: Record<string, number>;
}

interface BucketSums {
  readonly labels: readonly string[];
  readonly sums: readonly ExactSum[];
  readonly counts: readonly number[];
}

function sumByBucket(dataset: Dataset, params: SumParams): BucketSums {
  const { events, ctx } = prepare(dataset);
  const buckets = periodBuckets(dataset, params.period, params.unit);
  const sums = buckets.labels.map(() => new ExactSum());
  const counts = buckets.labels.map(() => 0);
  for (const e of events) {
    if (e.name !== params.event) continue;
    const b = bucketIndex(buckets, e.time);
    if (b < 0 || !passes(params.where, e, ctx)) continue;
    const v = evaluateOn(params.on, e, ctx);
    sums[b].add(typeof v === "number" ? v : 0);
    counts[b]++;
  }
  return { labels: buckets.labels, sums, counts };
}

export function segmentationSum(dataset: Dataset, params: SumParams): SumReply {
  const { labels, sums } = sumByBucket(dataset, params);
  const results: Record<string, number> = {};
  labels.forEach((label, b) => {
    results[label] = sums[b].value();
  });
  return { status: "ok", computed_at: new Date(dataset.now * 1000).toISOString(), results };
}

export function segmentationAverage(dataset: Dataset, params: SumParams): AverageReply {
  const { labels, sums, counts } = sumByBucket(dataset, params);
  const results: Record<string, number> = {};
  labels.forEach((label, b) => {
    results[label] = counts[b] === 0 ? 0 : sums[b].dividedBy(counts[b]);
  });
  return { status: "ok", results };
}
