// `segmentation/sum` and `segmentation/average`: the numeric value of `on` over one event's
// occurrences per bucket; a value that is not a number counts as 0, in the average's count too.

import { Tag } from "../../expr/columns.js";
import { compile } from "../../expr/compile.js";
import type { SumParams } from "../params.js";
import type { AverageReply, SumReply } from "../reference/segmentation-sum.js";
import { BucketSums } from "./bucket-sums.js";
import { plainRead, readColumn } from "./column-read.js";
import { PerBatch } from "./per-batch.js";
import { periodBuckets } from "./period-buckets.js";
import { QueryEvents } from "./query-events.js";
import { evalContextOf, type KeptRows, scan } from "./scan.js";
import type { ScanBatch } from "./scan-batch.js";
import type { QuerySource } from "./source.js";

export type { AverageReply, SumReply } from "../reference/segmentation-sum.js";

interface Sums {
  readonly labels: readonly string[];
  readonly sums: BucketSums;
}

async function sumByBucket(source: QuerySource, params: SumParams): Promise<Sums> {
  const buckets = periodBuckets(source, params.period, params.unit);
  const on = compile(params.on.node, evalContextOf(source));
  const read = plainRead(on);
  const sums = new BucketSums(buckets.labels.length);
  const bindings = new PerBatch((batch: ScanBatch) => on.bind(batch));
  const take = (kept: KeptRows): void => {
    const column = read === null ? undefined : readColumn(kept.batch, read);
    if (read !== null) {
      // Hot path: numbers straight from the column; every other kind counts 0.
      const tags = column?.tags;
      const numbers = column?.numbers;
      for (let k = 0; k < kept.count; k++) {
        const row = kept.rows[k];
        const v = tags !== undefined && numbers != null && tags[row] === Tag.Number ? numbers[row] : 0;
        sums.add(kept.buckets[k], v);
      }
      return;
    }
    const bound = bindings.of(kept.batch);
    for (let k = 0; k < kept.count; k++) {
      const v = bound.valueAt(kept.rows[k]);
      sums.add(kept.buckets[k], typeof v === "number" ? v : 0);
    }
  };
  const events = new QueryEvents([params.event]);
  const request = { buckets, events, where: params.where, users: false, reads: { expressions: [params.on] } };
  await scan(source, request, { begin: () => {}, take, takesChunks: read === null });
  return { labels: buckets.labels, sums };
}

export async function segmentationSum(source: QuerySource, params: SumParams): Promise<SumReply> {
  const { labels, sums } = await sumByBucket(source, params);
  const results: Record<string, number> = {};
  labels.forEach((label, b) => {
    results[label] = sums.sum(b);
  });
  return { status: "ok", computed_at: new Date(source.now * 1000).toISOString(), results };
}

export async function segmentationAverage(source: QuerySource, params: SumParams): Promise<AverageReply> {
  const { labels, sums } = await sumByBucket(source, params);
  const results: Record<string, number> = {};
  labels.forEach((label, b) => {
    results[label] = sums.average(b);
  });
  return { status: "ok", results };
}
