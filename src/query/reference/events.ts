// `events` (several events' series), `events/top` (today against yesterday) and `events/names`
// (the most frequent events of the last 31 days).

import { compareCodePoints } from "../../expr/runtime.js";
import type { AggregateType, EventsParams, RankedEventsParams } from "../params.js";
import { bucketIndex, daysSpan, localDay, spanOf, type TimeSpan } from "../time-buckets.js";
import { periodBuckets } from "./buckets.js";
import type { Dataset } from "./dataset.js";
import { prepare, type QueryEvent } from "./query-events.js";
import {
  type Cell,
  cellValue,
  countInto,
  emptyCell,
  type SeriesReply,
  SeriesTally,
  seriesReply,
} from "./series.js";

export function events(dataset: Dataset, params: EventsParams): SeriesReply {
  const { events: all } = prepare(dataset);
  const buckets = periodBuckets(dataset, params.period, params.unit);
  const wanted = new Set(params.events);
  const tally = new SeriesTally();
  for (const e of all) {
    if (!wanted.has(e.name)) continue;
    const b = bucketIndex(buckets, e.time);
    if (b >= 0) tally.count(e.name, b, e.user);
  }
  // Every event asked for is listed, in the order asked, zeros included.
  return seriesReply(buckets.labels, tally, params.type, params.events);
}

/** Per event name, what happened in a span. */
function cellsByName(all: readonly QueryEvent[], span: TimeSpan): Map<string, Cell> {
  const cells = new Map<string, Cell>();
  for (const e of all) {
    if (e.time < span.start || e.time >= span.end) continue;
    let cell = cells.get(e.name);
    if (cell === undefined) {
      cell = emptyCell();
      cells.set(e.name, cell);
    }
    countInto(cell, e.user);
  }
  return cells;
}

export interface TopEvent {
  readonly amount: number;
  readonly event: string;
  /** (today − yesterday) / yesterday; 0 when yesterday was 0. */
  readonly percent_change: number;
}

export interface TopEventsReply {
  readonly events: readonly TopEvent[];
  readonly type: AggregateType;
}

/**
 * Events with an amount above 0 today (the project's calendar day holding `now`), largest first,
 * ties by name; `percent_change` compares with yesterday's amount.
 */
export function eventsTop(dataset: Dataset, params: RankedEventsParams): TopEventsReply {
  const { events: all } = prepare(dataset);
  const today = localDay(dataset.now, dataset.timeZone);
  const todays = cellsByName(all, daysSpan(today, today, dataset.timeZone));
  const yesterdays = cellsByName(all, daysSpan(today - 1, today - 1, dataset.timeZone));
  const top: TopEvent[] = [];
  for (const [event, cell] of todays) {
    const amount = cellValue(cell, params.type);
    if (amount === 0) continue;
    const before = cellValue(yesterdays.get(event), params.type);
    top.push({ amount, event, percent_change: before === 0 ? 0 : (amount - before) / before });
  }
  top.sort((a, b) => b.amount - a.amount || compareCodePoints(a.event, b.event));
  return { events: top.slice(0, params.limit), type: params.type };
}

/** The last 31 days: today in the project's zone and the 30 before it. */
export function last31Days(dataset: Dataset): TimeSpan {
  return spanOf({ kind: "last", units: 31 }, "day", dataset.now, dataset.timeZone);
}

/** Every event name done in the last 31 days, by amount of `type` over them, ties by name. */
export function eventsNames(dataset: Dataset, params: RankedEventsParams): string[] {
  const { events: all } = prepare(dataset);
  const cells = cellsByName(all, last31Days(dataset));
  return [...cells]
    .map(([name, cell]) => ({ name, amount: cellValue(cell, params.type) }))
    .sort((a, b) => b.amount - a.amount || compareCodePoints(a.name, b.name))
    .slice(0, params.limit)
    .map((x) => x.name);
}
