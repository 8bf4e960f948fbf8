// The numbers of a funnel per segment, bucket of entry and step, in flat typed arrays: how many
// passes reached the step, and the exact sums of their times from the previous step and from the
// entry. Segment 0 is "$overall"; the others are the listed segments of `on`.

import { TimeSums } from "./funnel-time-sums.js";
import { QueryLimitError } from "./limits.js";

export class FunnelTally {
  readonly counts: Float64Array;
  readonly fromPrevious: TimeSums;
  readonly fromStart: TimeSums;

  constructor(
    readonly segments: number,
    readonly buckets: number,
    readonly steps: number,
    maxCells: number,
  ) {
    const cells = segments * buckets * steps;
    if (cells > maxCells) {
      throw new QueryLimitError(
        "maxCells",
        `${segments.toLocaleString("en-US")} segments × ${buckets.toLocaleString("en-US")} buckets × ${steps} steps exceed ${maxCells.toLocaleString("en-US")}; narrow "on", the range or the unit`,
      );
    }
    this.counts = new Float64Array(cells);
    this.fromPrevious = new TimeSums(cells);
    this.fromStart = new TimeSums(cells);
  }

  /** Where a segment's and bucket's steps start in the arrays. */
  base(segment: number, bucket: number): number {
    return (segment * this.buckets + bucket) * this.steps;
  }

  /** Hot path: one pass that reached `reached` steps, done at `times[0 … reached)`. */
  add(segment: number, bucket: number, times: Float64Array, reached: number): void {
    const base = this.base(segment, bucket);
    this.counts[base]++;
    for (let s = 1; s < reached; s++) {
      this.counts[base + s]++;
      this.fromPrevious.add(base + s, times[s] - times[s - 1]);
      this.fromStart.add(base + s, times[s] - times[0]);
    }
  }
}
