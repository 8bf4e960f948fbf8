// `retention/addiction`: the same contract as reference/addiction.ts. One scan gathers each user's
// (unit bucket, fine bucket) activity; grouped by user, the distinct fine buckets per unit bucket
// are counted, and entry k of a unit's list is the number of users active in at least k + 1 of
// them.

import type { AddictionParams } from "../params-retention.js";
import type { AddictionReply } from "../reference/addiction.js";
import { bucketIndex, bucketsOf, daysSpan, type TimeBuckets } from "../time-buckets.js";
import { AddictionSink } from "./addiction-sink.js";
import { QueryEvents } from "./query-events.js";
import { scan } from "./scan.js";
import type { QuerySource } from "./source.js";

export type { AddictionReply } from "../reference/addiction.js";

export async function addiction(source: QuerySource, params: AddictionParams): Promise<AddictionReply> {
  const span = daysSpan(params.period.from, params.period.to, source.timeZone);
  const units = bucketsOf(span, params.unit, source.timeZone);
  const fine = bucketsOf(span, params.addictionUnit, source.timeZone);
  const sink = new AddictionSink(units);
  const events = new QueryEvents(params.event === undefined ? null : [params.event]);
  await scan(source, { buckets: fine, events, where: params.where, users: true }, sink);
  const lengths = finePerUnit(units, fine);
  const atLeast = countActive(sink, lengths, fine.labels.length);
  const data: Record<string, number[]> = {};
  units.labels.forEach((label, u) => {
    data[label] = Array.from(atLeast[u]);
  });
  return { data };
}

/** How many fine labels each unit bucket holds (a fine label belongs where its first instant is). */
function finePerUnit(units: TimeBuckets, fine: TimeBuckets): Int32Array {
  const counts = new Int32Array(units.labels.length);
  const seen = new Uint8Array(fine.labels.length);
  for (let i = 0; i < fine.stretchLabels.length; i++) {
    const label = fine.stretchLabels[i];
    if (seen[label] === 1) continue;
    seen[label] = 1;
    counts[bucketIndex(units, fine.stretchStarts[i])]++;
  }
  return counts;
}

/** Per unit bucket, entry k = users active in at least k + 1 distinct fine buckets of it. */
function countActive(sink: AddictionSink, lengths: Int32Array, fineBuckets: number): Float64Array[] {
  const histograms = Array.from(lengths, (n) => new Float64Array(n));
  const { starts, rows } = byUser(sink);
  const seenFine = new Int32Array(fineBuckets).fill(-1);
  const seenUnit = new Int32Array(lengths.length).fill(-1);
  const active = new Int32Array(lengths.length);
  const touched = new Int32Array(lengths.length);
  for (let u = 0; u < sink.users; u++) {
    let n = 0;
    for (let j = starts[u]; j < starts[u + 1]; j++) {
      const r = rows[j];
      const f = sink.fine[r];
      if (seenFine[f] === u) continue;
      seenFine[f] = u;
      const unit = sink.unit[r];
      if (seenUnit[unit] !== u) {
        seenUnit[unit] = u;
        active[unit] = 0;
        touched[n++] = unit;
      }
      active[unit]++;
    }
    // Counted at the highest entry reached, then summed down below.
    for (let k = 0; k < n; k++) {
      const unit = touched[k];
      const h = histograms[unit];
      if (h.length > 0) h[Math.min(active[unit], h.length) - 1]++;
    }
  }
  for (const h of histograms) for (let k = h.length - 2; k >= 0; k--) h[k] += h[k + 1];
  return histograms;
}

/** The gathered rows grouped by user: a counting sort. */
function byUser(sink: AddictionSink): { starts: Int32Array; rows: Int32Array } {
  const starts = new Int32Array(sink.users + 1);
  for (let i = 0; i < sink.length; i++) starts[sink.user[i] + 1]++;
  for (let u = 0; u < sink.users; u++) starts[u + 1] += starts[u];
  const next = starts.slice(0, sink.users);
  const rows = new Int32Array(sink.length);
  for (let i = 0; i < sink.length; i++) rows[next[sink.user[i]]++] = i;
  return { starts, rows };
}
