// The series replies of segmentation, events and events/properties: per segment and bucket, how
// many events, and which users did them; then a value per `type`, the top segments by total, and
// `{"data": {"series", "values"}, "legend_size"}`.

import { compareCodePoints } from "../../expr/runtime.js";
import type { AggregateType } from "../params.js";
import { exactSum } from "./exact-sum.js";
import { type Keyed, keyed } from "./reply-object.js";

/** What one segment did in one bucket. */
export interface Cell {
  /** Every event, users or not. */
  events: number;
  /** Events of real users (not of a "no user" id). */
  userEvents: number;
  users: Set<string>;
}

export function emptyCell(): Cell {
  return { events: 0, userEvents: 0, users: new Set() };
}

export function countInto(cell: Cell, user: string | null): void {
  cell.events++;
  if (user === null) return;
  cell.userEvents++;
  cell.users.add(user);
}

/** general: events; unique: distinct users; average: events of users per user (0 without users). */
export function cellValue(cell: Cell | undefined, type: AggregateType): number {
  if (cell === undefined) return 0;
  switch (type) {
    case "general":
      return cell.events;
    case "unique":
      return cell.users.size;
    case "average":
      return cell.users.size === 0 ? 0 : cell.userEvents / cell.users.size;
  }
}

/** Cells by segment, then by bucket index. */
export class SeriesTally {
  private readonly cells = new Map<string, Map<number, Cell>>();

  count(segment: string, bucket: number, user: string | null): void {
    let row = this.cells.get(segment);
    if (row === undefined) {
      row = new Map();
      this.cells.set(segment, row);
    }
    let cell = row.get(bucket);
    if (cell === undefined) {
      cell = emptyCell();
      row.set(bucket, cell);
    }
    countInto(cell, user);
  }

  segments(): string[] {
    return [...this.cells.keys()];
  }

  value(segment: string, bucket: number, type: AggregateType): number {
    return cellValue(this.cells.get(segment)?.get(bucket), type);
  }

  /** The sum of a segment's values over the series: what `limit` ranks by. */
  total(segment: string, buckets: number, type: AggregateType): number {
    const values: number[] = [];
    for (let b = 0; b < buckets; b++) values.push(this.value(segment, b, type));
    return exactSum(values);
  }
}

/** The `limit` segments with the largest totals; ties go to the smaller key (code point order). */
export function topSegments(
  tally: SeriesTally,
  buckets: number,
  type: AggregateType,
  limit: number,
): string[] {
  return rankByTotal(
    tally.segments().map((segment) => [segment, tally.total(segment, buckets, type)] as const),
    limit,
  );
}

export function rankByTotal(totals: readonly (readonly [string, number])[], limit: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]))
    .slice(0, limit)
    .map(([key]) => key);
}

export interface SeriesReply {
  readonly data: {
    readonly series: readonly string[];
    /** Segment (or event name) → date → value; every listed segment has every date. */
    readonly values: Keyed<Record<string, number>>;
  };
  readonly legend_size: number;
}

/** The reply for these segments, in this order, over these labels. */
export function seriesReply(
  labels: readonly string[],
  tally: SeriesTally,
  type: AggregateType,
  segments: readonly string[],
): SeriesReply {
  const values = keyed(
    segments.map((segment) => [segment, datedValues(labels, tally, segment, type)] as const),
  );
  return { data: { series: [...labels], values }, legend_size: segments.length };
}

function datedValues(
  labels: readonly string[],
  tally: SeriesTally,
  segment: string,
  type: AggregateType,
): Record<string, number> {
  const byDate: Record<string, number> = {};
  labels.forEach((label, b) => {
    byDate[label] = tally.value(segment, b, type);
  });
  return byDate;
}
