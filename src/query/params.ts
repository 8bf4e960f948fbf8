// The parameters of the segmentation and events endpoints (spec/query-api.md), parsed from a query
// string or form body into typed, checked objects. Funnels, retention and the raw endpoints have
// their own params-*.ts beside this file. Unknown parameters are ignored: Mixpanel clients send
// extras (`api_key`, `sig`, `format`, `project_id`) that mean nothing here.

import { QueryParamError } from "./params-error.js";
import { QUERY_LIMITS } from "./params-limits.js";
import {
  type Expression,
  expression,
  integer,
  jsonArray,
  oneOf,
  period,
  requiredExpression,
  requiredName,
  stringList,
} from "./params-read.js";
import { type Period, UNITS, type Unit } from "./time-buckets.js";

export type { Expression } from "./params-read.js";

/** `general`: events; `unique`: distinct users; `average`: events per user. */
export type AggregateType = "general" | "unique" | "average";

export const AGGREGATE_TYPES: readonly AggregateType[] = ["general", "unique", "average"];

export interface SegmentationParams {
  readonly event: string;
  readonly period: Period;
  readonly unit: Unit;
  readonly type: AggregateType;
  readonly on: Expression | undefined;
  readonly where: Expression | undefined;
  /** Top segments kept, by total over the series. */
  readonly limit: number;
}

export interface NumericParams extends SegmentationParams {
  readonly on: Expression;
  /** At most this many ranges. */
  readonly buckets: number;
}

/** segmentation/sum and segmentation/average. */
export interface SumParams {
  readonly event: string;
  readonly period: Period;
  readonly unit: Unit;
  readonly on: Expression;
  readonly where: Expression | undefined;
}

export interface EventsParams {
  readonly events: readonly string[];
  readonly period: Period;
  readonly unit: Unit;
  readonly type: AggregateType;
}

/** events/top and events/names. */
export interface RankedEventsParams {
  readonly type: AggregateType;
  readonly limit: number;
}

export interface PropertyParams {
  readonly event: string;
  readonly name: string;
  /** Only these values (as segment keys), when given. */
  readonly values: readonly string[] | undefined;
  readonly period: Period;
  readonly unit: Unit;
  readonly type: AggregateType;
  readonly limit: number;
}

export interface TopPropertiesParams {
  readonly event: string;
  readonly limit: number;
}

export interface PropertyValuesParams {
  readonly event: string;
  readonly name: string;
  readonly limit: number;
}

function unitOf(q: URLSearchParams): Unit {
  return oneOf(q, "unit", UNITS, "day");
}

function typeOf(q: URLSearchParams): AggregateType {
  return oneOf(q, "type", AGGREGATE_TYPES, "general");
}

function segmentLimit(q: URLSearchParams): number {
  return integer(q, "limit", QUERY_LIMITS.defaultSegments, 1, QUERY_LIMITS.maxSegments);
}

export function parseSegmentationParams(q: URLSearchParams): SegmentationParams {
  const unit = unitOf(q);
  return {
    event: requiredName(q, "event"),
    period: period(q, unit, true),
    unit,
    type: typeOf(q),
    on: expression(q, "on"),
    where: expression(q, "where"),
    limit: segmentLimit(q),
  };
}

export function parseNumericParams(q: URLSearchParams): NumericParams {
  const base = parseSegmentationParams(q);
  return {
    ...base,
    on: requiredExpression(q, "on"),
    buckets: integer(q, "buckets", 10, 1, QUERY_LIMITS.maxNumericBuckets),
  };
}

export function parseSumParams(q: URLSearchParams): SumParams {
  const unit = unitOf(q);
  return {
    event: requiredName(q, "event"),
    period: period(q, unit, true),
    unit,
    on: requiredExpression(q, "on"),
    where: expression(q, "where"),
  };
}

export function parseEventsParams(q: URLSearchParams): EventsParams {
  const unit = unitOf(q);
  const events = stringList(q, "event", QUERY_LIMITS.maxListItems);
  if (events === undefined)
    throw new QueryParamError("event", 'is required (a JSON array such as ["Signup"])');
  return { events, period: period(q, unit, true), unit, type: typeOf(q) };
}

export function parseTopEventsParams(q: URLSearchParams): RankedEventsParams {
  const max = QUERY_LIMITS.maxTopEvents;
  return { type: typeOf(q), limit: integer(q, "limit", max, 1, max) };
}

export function parseEventNamesParams(q: URLSearchParams): RankedEventsParams {
  return { type: typeOf(q), limit: integer(q, "limit", 255, 1, QUERY_LIMITS.maxListLimit) };
}

export function parsePropertyParams(q: URLSearchParams): PropertyParams {
  const unit = unitOf(q);
  return {
    event: requiredName(q, "event"),
    name: requiredName(q, "name"),
    values: valueList(q),
    period: period(q, unit, true),
    unit,
    type: typeOf(q),
    limit: integer(q, "limit", 255, 1, QUERY_LIMITS.maxSegments),
  };
}

/** `values`: the property values wanted, turned into segment keys the way `on` names them. */
function valueList(q: URLSearchParams): string[] | undefined {
  const items = jsonArray(q, "values");
  if (items === undefined) return undefined;
  if (items.length > QUERY_LIMITS.maxListItems) {
    throw new QueryParamError(
      "values",
      `has ${items.length} items; at most ${QUERY_LIMITS.maxListItems} are allowed`,
    );
  }
  return items.map((item, i) => {
    if (typeof item === "string") return item;
    if (typeof item === "number" || typeof item === "boolean") return String(item);
    if (item === null) return "null";
    throw new QueryParamError("values", `item ${i + 1} is not a string, number, boolean or null`);
  });
}

export function parseTopPropertiesParams(q: URLSearchParams): TopPropertiesParams {
  return { event: requiredName(q, "event"), limit: integer(q, "limit", 10, 1, QUERY_LIMITS.maxListLimit) };
}

export function parsePropertyValuesParams(q: URLSearchParams): PropertyValuesParams {
  return {
    event: requiredName(q, "event"),
    name: requiredName(q, "name"),
    limit: integer(q, "limit", 255, 1, QUERY_LIMITS.maxListLimit),
  };
}
