// `segmentation`: one event's count (or users, or events per user) per bucket, whole or split by
// the value of `on`; the same contract as reference/segmentation.ts.

import { compile } from "../../expr/compile.js";
import type { SegmentationParams } from "../params.js";
import { limitsOf } from "./limits.js";
import { periodBuckets } from "./period-buckets.js";
import { QueryEvents } from "./query-events.js";
import { evalContextOf, scan } from "./scan.js";
import { SegmentIds } from "./segment-ids.js";
import { ValueSegmenter } from "./segmenter.js";
import { type SeriesReply, seriesReply, topSegments } from "./series-reply.js";
import { SeriesSink } from "./series-sink.js";
import { type QuerySource, queryMemoryOf } from "./source.js";

export async function segmentation(source: QuerySource, params: SegmentationParams): Promise<SeriesReply> {
  const limits = limitsOf(source.limits);
  const buckets = periodBuckets(source, params.period, params.unit);
  const ids = new SegmentIds(limits.maxSegments, limits.maxSegmentChars);
  const segments =
    params.on === undefined
      ? "one"
      : new ValueSegmenter(compile(params.on.node, evalContextOf(source)), ids, {
          absentIsSegment: true,
          timeZone: source.timeZone,
        });
  // Without `on` the one series is the event's, listed even when it never happened.
  if (params.on === undefined) ids.idOf(params.event);
  const sink = new SeriesSink(buckets.labels.length, params.type, segments, limits, queryMemoryOf(source));
  const events = new QueryEvents([params.event]);
  const reads = { expressions: [params.on] };
  await scan(source, { buckets, events, where: params.where, users: params.type !== "general", reads }, sink);
  const listed =
    params.on === undefined ? [params.event] : topSegments(ids.names, sink.counts, params.type, params.limit);
  return seriesReply(buckets.labels, sink.counts, params.type, listed, (name) => ids.find(name));
}
