// Segment keys (values of `on`, property values) as dense numbers for the counting arrays, with the
// query's bound on how many distinct ones it may meet.

import { QueryLimitError } from "./limits.js";

export class SegmentIds {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  private chars = 0;

  constructor(
    private readonly maxSegments: number,
    private readonly maxChars: number,
  ) {}

  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      if (id >= this.maxSegments) {
        throw new QueryLimitError(
          "maxSegments",
          `the query splits into more than ${this.maxSegments.toLocaleString("en-US")} segments; narrow "on", "where" or the range`,
        );
      }
      this.chars += name.length;
      if (this.chars > this.maxChars) {
        throw new QueryLimitError(
          "maxSegmentChars",
          `the query's segment names come to more than ${this.maxChars.toLocaleString("en-US")} characters; make "on" shorter or narrow it`,
        );
      }
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  find(name: string): number | undefined {
    return this.ids.get(name);
  }

  get size(): number {
    return this.names.length;
  }
}
