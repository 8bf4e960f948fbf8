// The buckets of a time span in the project's zone: which label (`2024-03-31`, `2024-03-31 02:00:00`)
// each instant belongs to. The definition is the wall clock: an instant's label is its local time
// truncated to the unit (weeks to the Monday, months to the 1st). A day of 23 or 25 hours is one
// bucket; on the night clocks go back, the repeated hour (or minute) is one bucket whose instants
// come from both passes. Built once per query as sorted stretches of constant label, so mapping an
// instant is a binary search over numbers; the fast engine reuses it.

import { wallToEpochSeconds, zoneOffsetSeconds } from "../expr/timezone.js";

export type Unit = "minute" | "hour" | "day" | "week" | "month";

export const UNITS: readonly Unit[] = ["minute", "hour", "day", "week", "month"];

/** A calendar date as days since 1970-01-01 (negative before). */
export type DayNumber = number;

/** A half-open span of instants, Unix seconds: `start <= t < end`. */
export interface TimeSpan {
  readonly start: number;
  readonly end: number;
}

const DAY_SECONDS = 86400;

export function dayNumberOf(year: number, month: number, day: number): DayNumber {
  return Math.round(Date.UTC(year, month - 1, day) / 1000 / DAY_SECONDS);
}

/** `yyyy-mm-dd` of a day number (years 1000-9999, which is all that parameters accept). */
export function formatDay(day: DayNumber): string {
  return new Date(day * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

/** The instant the zone's wall clock first shows this date (00:00, or later if skipped). */
export function dayStart(day: DayNumber, timeZone: string): number {
  return wallToEpochSeconds(day * DAY_SECONDS, timeZone);
}

/** From local midnight of `from` to local midnight after `to`: the dates are inclusive. */
export function daysSpan(from: DayNumber, to: DayNumber, timeZone: string): TimeSpan {
  return { start: dayStart(from, timeZone), end: dayStart(to + 1, timeZone) };
}

/** The local date of an instant. */
export function localDay(seconds: number, timeZone: string): DayNumber {
  return Math.floor((seconds + zoneOffsetSeconds(Math.floor(seconds), timeZone)) / DAY_SECONDS);
}

// ---- wall-clock arithmetic (a wall time is local time read as if it were UTC seconds) ----------

/** Wall time truncated to the start of its unit. */
export function truncateWall(wall: number, unit: Unit): number {
  switch (unit) {
    case "minute":
      return Math.floor(wall / 60) * 60;
    case "hour":
      return Math.floor(wall / 3600) * 3600;
    case "day":
      return Math.floor(wall / DAY_SECONDS) * DAY_SECONDS;
    case "week": {
      const day = Math.floor(wall / DAY_SECONDS);
      // Day 0 (1970-01-01) was a Thursday: Monday-based weekday is (day + 3) mod 7.
      const weekday = (((day + 3) % 7) + 7) % 7;
      return (day - weekday) * DAY_SECONDS;
    }
    case "month": {
      const d = new Date(wall * 1000);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
    }
  }
}

/** A unit-aligned wall time moved by `n` units (months by calendar, the rest by fixed lengths). */
export function addWallUnits(wall: number, unit: Unit, n: number): number {
  switch (unit) {
    case "minute":
      return wall + n * 60;
    case "hour":
      return wall + n * 3600;
    case "day":
      return wall + n * DAY_SECONDS;
    case "week":
      return wall + n * 7 * DAY_SECONDS;
    case "month": {
      const d = new Date(wall * 1000);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1) / 1000;
    }
  }
}

/** The label of a unit-aligned wall time. */
export function labelOfWall(wall: number, unit: Unit): string {
  const iso = new Date(wall * 1000).toISOString();
  return unit === "minute" || unit === "hour" ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(0, 10);
}

// ---- offset changes ---------------------------------------------------------------------------

/**
 * Instants in (start, end) at which the zone's offset changes, found by sampling the offset once a
 * day and bisecting to the second where two samples differ. Two changes less than a day apart that
 * cancel out would be missed; no zone in the tz database has one.
 */
export function offsetChanges(span: TimeSpan, timeZone: string): number[] {
  const changes: number[] = [];
  let at = Math.floor(span.start);
  let offset = zoneOffsetSeconds(at, timeZone);
  while (at < span.end) {
    const next = Math.min(at + DAY_SECONDS, Math.ceil(span.end));
    const nextOffset = zoneOffsetSeconds(next, timeZone);
    if (nextOffset !== offset) changes.push(firstSecondWithOffset(at, next, offset, timeZone));
    at = next;
    offset = nextOffset;
  }
  return changes;
}

/** The first second in (low, high] whose offset is no longer `offset` (it is at `high`). */
function firstSecondWithOffset(low: number, high: number, offset: number, timeZone: string): number {
  let lo = low;
  let hi = high;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetSeconds(mid, timeZone) === offset) lo = mid;
    else hi = mid;
  }
  return hi;
}

// ---- the buckets ------------------------------------------------------------------------------

export interface TimeBuckets {
  readonly unit: Unit;
  readonly span: TimeSpan;
  /** The series: every label of the span, in time order, each once. */
  readonly labels: readonly string[];
  /** Start of each stretch of constant label, ascending; the first is `span.start`. */
  readonly stretchStarts: Float64Array;
  /** Index into `labels` of each stretch (two stretches share one when clocks go back). */
  readonly stretchLabels: Int32Array;
}

/** The buckets of a span for a unit in a zone. */
export function bucketsOf(span: TimeSpan, unit: Unit, timeZone: string): TimeBuckets {
  const changes = offsetChanges(span, timeZone);
  const starts: number[] = [];
  const stretchLabelText: string[] = [];
  let t = span.start;
  let nextChange = 0;
  let offset = zoneOffsetSeconds(Math.floor(t), timeZone);
  while (t < span.end) {
    if (nextChange < changes.length && changes[nextChange] <= t) {
      while (nextChange < changes.length && changes[nextChange] <= t) nextChange++;
      offset = zoneOffsetSeconds(Math.floor(t), timeZone);
    }
    const wallStart = truncateWall(Math.floor(t + offset), unit);
    starts.push(t);
    stretchLabelText.push(labelOfWall(wallStart, unit));
    // The next label begins at the next unit boundary on this offset's clock, or at the offset
    // change if that comes first.
    const boundary = addWallUnits(wallStart, unit, 1) - offset;
    const change = nextChange < changes.length ? changes[nextChange] : Number.POSITIVE_INFINITY;
    t = Math.min(boundary, change, span.end);
  }
  return assemble(unit, span, starts, stretchLabelText);
}

// Adjacent stretches with one label (an offset change that is not a boundary) merge; labels that
// recur (clocks set back) share an index. Labels of fixed width sort like the times they name.
function assemble(unit: Unit, span: TimeSpan, starts: number[], texts: string[]): TimeBuckets {
  const labels = [...new Set(texts)].sort();
  const indexOf = new Map(labels.map((label, i) => [label, i]));
  const keptStarts: number[] = [];
  const keptLabels: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const label = indexOf.get(texts[i])!;
    if (keptLabels.length > 0 && keptLabels[keptLabels.length - 1] === label) continue;
    keptStarts.push(starts[i]);
    keptLabels.push(label);
  }
  return {
    unit,
    span,
    labels,
    stretchStarts: Float64Array.from(keptStarts),
    stretchLabels: Int32Array.from(keptLabels),
  };
}

/** The label index of an instant, or -1 outside the span. */
export function bucketIndex(buckets: TimeBuckets, seconds: number): number {
  const starts = buckets.stretchStarts;
  if (!(seconds >= buckets.span.start && seconds < buckets.span.end)) return -1;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return buckets.stretchLabels[lo];
}

// ---- periods: dates, or the last N units --------------------------------------------------------

/** What a query asks for: a range of dates, or the last `units` units up to and including now's. */
export type Period =
  | { readonly kind: "dates"; readonly from: DayNumber; readonly to: DayNumber }
  | { readonly kind: "last"; readonly units: number };

/**
 * The span of a period. `last` counts wall-clock units back from the one holding `now`: the
 * current unit and `units - 1` before it, whole.
 */
export function spanOf(period: Period, unit: Unit, now: number, timeZone: string): TimeSpan {
  if (period.kind === "dates") return daysSpan(period.from, period.to, timeZone);
  const current = truncateWall(Math.floor(now + zoneOffsetSeconds(Math.floor(now), timeZone)), unit);
  return {
    start: wallToEpochSeconds(addWallUnits(current, unit, 1 - period.units), timeZone),
    end: wallToEpochSeconds(addWallUnits(current, unit, 1), timeZone),
  };
}

/**
 * The span continued to the end of the unit holding its last instant and then `units` more whole
 * units: where retention looks for returning users after the range's last cohort.
 */
export function extendSpan(span: TimeSpan, unit: Unit, units: number, timeZone: string): TimeSpan {
  const last = Math.ceil(span.end) - 1;
  const lastWall = truncateWall(last + zoneOffsetSeconds(last, timeZone), unit);
  return { start: span.start, end: wallToEpochSeconds(addWallUnits(lastWall, unit, 1 + units), timeZone) };
}
