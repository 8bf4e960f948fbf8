// The buckets a reference query counts in: the period's span in the project's zone, by unit.

import { bucketsOf, type Period, spanOf, type TimeBuckets, type Unit } from "../time-buckets.js";
import type { Dataset } from "./dataset.js";

export function periodBuckets(dataset: Dataset, period: Period, unit: Unit): TimeBuckets {
  return bucketsOf(spanOf(period, unit, dataset.now, dataset.timeZone), unit, dataset.timeZone);
}
