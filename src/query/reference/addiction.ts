// `retention/addiction`: how often users come back within each bucket. For each bucket of `unit`
// in the range, entry k (0-based) is the number of users who did the event in at least k + 1
// distinct buckets of `addiction_unit` inside it; the list has one entry per `addiction_unit`
// bucket the unit holds within the range (7 for a full week of days, 23 or 25 for an hourly day
// when clocks change, fewer for a week cut by the range).

import type { AddictionParams } from "../params-retention.js";
import { bucketIndex, bucketsOf, daysSpan, type TimeBuckets } from "../time-buckets.js";
import type { Dataset } from "./dataset.js";
import { passes } from "./expressions.js";
import { eventsByUser, prepare } from "./query-events.js";

export interface AddictionReply {
  readonly data: Record<string, number[]>;
}

export function addiction(dataset: Dataset, params: AddictionParams): AddictionReply {
  const data = prepare(dataset);
  const span = daysSpan(params.period.from, params.period.to, dataset.timeZone);
  const units = bucketsOf(span, params.unit, dataset.timeZone);
  const fine = bucketsOf(span, params.addictionUnit, dataset.timeZone);
  const histograms = finePerUnit(units, fine).map((n) => Array.from({ length: n }, () => 0));
  for (const events of eventsByUser(data.events).values()) {
    // unit bucket → the fine buckets this user was active in.
    const active = new Map<number, Set<number>>();
    for (const e of events) {
      if (params.event !== undefined && e.name !== params.event) continue;
      const unit = bucketIndex(units, e.time);
      if (unit < 0 || !passes(params.where, e, data.ctx)) continue;
      if (!active.has(unit)) active.set(unit, new Set());
      active.get(unit)!.add(bucketIndex(fine, e.time));
    }
    for (const [unit, fineBuckets] of active) {
      for (let k = 0; k < fineBuckets.size; k++) histograms[unit][k]++;
    }
  }
  const reply: Record<string, number[]> = {};
  units.labels.forEach((label, u) => {
    reply[label] = histograms[u];
  });
  return { data: reply };
}

/** How many fine labels each unit bucket holds (a fine label belongs where its first instant is). */
function finePerUnit(units: TimeBuckets, fine: TimeBuckets): number[] {
  const counts = units.labels.map(() => 0);
  const seen = new Set<number>();
  fine.stretchLabels.forEach((label, i) => {
    if (seen.has(label)) return;
    seen.add(label);
    counts[bucketIndex(units, fine.stretchStarts[i])]++;
  });
  return counts;
}
