// `segmentation/numeric`: segments are ranges of the numeric values of `on` (numeric-buckets.ts,
// shared with the reference); every range is listed, lowest first, and `limit` does not apply.

import { compile } from "../../expr/compile.js";
import type { NumericParams } from "../params.js";
import { numericRanges, rangeIndex } from "../reference/numeric-buckets.js";
import { limitsOf } from "./limits.js";
import { NumericSink } from "./numeric-sink.js";
import { periodBuckets } from "./period-buckets.js";
import { QueryEvents } from "./query-events.js";
import { evalContextOf, scan } from "./scan.js";
import { SeriesCounts } from "./series-counts.js";
import { type SeriesReply, seriesReply } from "./series-reply.js";
import { type QuerySource, queryMemoryOf } from "./source.js";

export async function segmentationNumeric(source: QuerySource, params: NumericParams): Promise<SeriesReply> {
  const limits = limitsOf(source.limits);
  const buckets = periodBuckets(source, params.period, params.unit);
  const byUser = params.type !== "general";
  const memory = queryMemoryOf(source);
  const sink = new NumericSink(compile(params.on.node, evalContextOf(source)), memory);
  await scan(
    source,
    {
      buckets,
      events: new QueryEvents([params.event]),
      where: params.where,
      users: byUser,
      reads: { expressions: [params.on] },
    },
    sink,
  );
  const counts = new SeriesCounts(
    buckets.labels.length,
    byUser ? sink.userCount : -1,
    limits.maxCells,
    limits.maxUniqueBytes,
    memory,
  );
  if (sink.rows === 0) return seriesReply(buckets.labels, counts, params.type, [], () => undefined);
  const ranges = numericRanges(sink.min, sink.max, params.buckets);
  // Ranges are counted by label, as the reference does: two ranges can only share one where
  // bounds lose precision, and then they are one segment.
  const index = new Map(ranges.labels.map((label, i) => [label, i]));
  const segmentOfRange = ranges.labels.map((label) => index.get(label) as number);
  const seen: number[] = [];
  for (let r = 0; r < sink.rows; r++) {
    // An event whose numbers share a range counts once there.
    seen.length = 0;
    for (let j = sink.starts[r]; j < sink.starts[r + 1]; j++) {
      const segment = segmentOfRange[rangeIndex(ranges, sink.numbers[j])];
      if (seen.includes(segment)) continue;
      seen.push(segment);
      counts.count(segment, sink.buckets[r], byUser ? sink.users[r] : -1);
    }
  }
  return seriesReply(buckets.labels, counts, params.type, ranges.labels, (label) => index.get(label));
}
