// Counts kept rows into a SeriesCounts by segment and bucket: one segment for everything, the
// row's event, or the segments of a value (ValueSegmenter).

import type { AggregateType } from "../params.js";
import type { EngineLimits } from "./limits.js";
import type { QueryMemory } from "./query-memory.js";
import type { KeptRows, RowSink } from "./scan.js";
import type { ValueSegmenter } from "./segmenter.js";
import { SeriesCounts } from "./series-counts.js";

/** "one": segment 0; "event": the query's number of the row's event; else the segments of a value. */
export type SeriesSegments = "one" | "event" | ValueSegmenter;

export class SeriesSink implements RowSink {
  private countsOrNull: SeriesCounts | null = null;

  constructor(
    private readonly buckets: number,
    private readonly type: AggregateType,
    private readonly segments: SeriesSegments,
    private readonly limits: EngineLimits,
    private readonly memory?: QueryMemory,
  ) {}

  /** Only an `on` that is not a plain read is evaluated per row; the rest is cheap. */
  get takesChunks(): boolean {
    return typeof this.segments === "object" && this.segments.evaluatesPerRow;
  }

  get counts(): SeriesCounts {
    return this.countsOrNull as SeriesCounts;
  }

  begin(users: number): void {
    const byUser = this.type === "general" ? -1 : users;
    this.countsOrNull = new SeriesCounts(
      this.buckets,
      byUser,
      this.limits.maxCells,
      this.limits.maxUniqueBytes,
      this.memory,
    );
  }

  /** Hot path: one count per row and segment. */
  take(kept: KeptRows): void {
    const counts = this.counts;
    const { count, rows, buckets, events } = kept;
    const users = this.type === "general" ? null : kept.users;
    const segments = this.segments;
    if (segments === "one" || segments === "event") {
      const byEvent = segments === "event";
      for (let k = 0; k < count; k++) {
        counts.count(byEvent ? events[k] : 0, buckets[k], users === null ? -1 : users[k]);
      }
      return;
    }
    const bound = segments.bind(kept.batch);
    for (let k = 0; k < count; k++) {
      const n = bound.segmentsOf(rows[k]);
      const out = bound.out;
      const user = users === null ? -1 : users[k];
      for (let j = 0; j < n; j++) counts.count(out[j], buckets[k], user);
    }
  }
}
