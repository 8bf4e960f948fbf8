// Per segment and bucket: events, events of users, and distinct users, in flat typed arrays indexed
// by cell = segment · buckets + bucket. What segmentation, events and events/properties count, and
// how each `type` reads a cell (src/query/README.md, Values in replies).

import type { AggregateType } from "../params.js";
import { QueryLimitError } from "./limits.js";
import type { QueryMemory } from "./query-memory.js";
import { UniqueUsers } from "./unique-users.js";

export class SeriesCounts {
  private events = new Float64Array(0);
  private userEvents = new Float64Array(0);
  private uniques = new Float64Array(0);
  private readonly unique: UniqueUsers | null;
  private segments = 0;
  /** The last (cell, user) counted: rows come grouped by user, so repeats are caught without a lookup. */
  private lastCell = -1;
  private lastUser = -1;

  /** `users`: how many users the query met, or -1 when only events are counted. */
  constructor(
    readonly buckets: number,
    users: number,
    private readonly maxCells: number,
    maxUniqueBytes: number,
    memory?: QueryMemory,
  ) {
    this.unique = users < 0 ? null : new UniqueUsers(users, maxUniqueBytes, memory);
  }

  /** Makes room for segment ids below `segments`. */
  private reserve(segments: number): void {
    if (segments * this.buckets > this.maxCells) {
      throw new QueryLimitError(
        "maxCells",
        `${segments.toLocaleString("en-US")} segments × ${this.buckets.toLocaleString("en-US")} buckets exceed ${this.maxCells.toLocaleString("en-US")}; narrow "on", the range or the unit`,
      );
    }
    let capacity = Math.max(16, this.segments);
    while (capacity < segments) capacity *= 2;
    capacity = Math.min(capacity, Math.max(segments, Math.floor(this.maxCells / this.buckets)));
    const cells = capacity * this.buckets;
    this.events = grown(this.events, cells);
    if (this.unique !== null) {
      this.userEvents = grown(this.userEvents, cells);
      this.uniques = grown(this.uniques, cells);
    }
    this.segments = capacity;
  }

  /** Counts one event of `user` (-1: nobody) in a segment and bucket. */
  count(segment: number, bucket: number, user: number): void {
    if (segment >= this.segments) this.reserve(segment + 1);
    const cell = segment * this.buckets + bucket;
    this.events[cell]++;
    if (this.unique === null || user < 0) return;
    this.userEvents[cell]++;
    if (cell === this.lastCell && user === this.lastUser) return;
    this.lastCell = cell;
    this.lastUser = user;
    if (this.unique.add(cell, user)) this.uniques[cell]++;
  }

  value(segment: number, bucket: number, type: AggregateType): number {
    if (segment >= this.segments) return 0;
    const cell = segment * this.buckets + bucket;
    switch (type) {
      case "general":
        return this.events[cell];
      case "unique":
        return this.uniques[cell];
      case "average":
        return this.uniques[cell] === 0 ? 0 : this.userEvents[cell] / this.uniques[cell];
    }
  }
}

function grown(array: Float64Array<ArrayBuffer>, length: number): Float64Array<ArrayBuffer> {
  if (array.length >= length) return array;
  const out = new Float64Array(length);
  out.set(array);
  return out;
}
