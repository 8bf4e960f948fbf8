// The buckets an engine query counts in: a period's, or hand-made ones for the endpoints that count
// over fixed spans (events/top: yesterday and today; the 31-day window of names and properties).

import {
  bucketsOf,
  type Period,
  spanOf,
  type TimeBuckets,
  type TimeSpan,
  type Unit,
} from "../time-buckets.js";
import type { QuerySource } from "./source.js";

export function periodBuckets(source: QuerySource, period: Period, unit: Unit): TimeBuckets {
  return bucketsOf(spanOf(period, unit, source.now, source.timeZone), unit, source.timeZone);
}

/** Adjacent spans as buckets 0, 1, …; the labels are the bucket numbers. */
export function spanBuckets(spans: readonly TimeSpan[]): TimeBuckets {
  return {
    unit: "day",
    span: { start: spans[0].start, end: spans[spans.length - 1].end },
    labels: spans.map((_, i) => String(i)),
    stretchStarts: Float64Array.from(spans, (s) => s.start),
    stretchLabels: Int32Array.from(spans, (_, i) => i),
  };
}
