// Readers for the kinds of value query parameters hold: names, integers, enumerations, dates,
// periods, JSON arrays and expressions. Each either returns a checked value or throws a
// QueryParamError that names the parameter. A parameter given as an empty string counts as absent.

import type { ExprNode } from "../expr/ast.js";
import { ExprError } from "../expr/errors.js";
import { parse } from "../expr/parser.js";
import { QueryParamError, shown } from "./params-error.js";
import { QUERY_LIMITS } from "./params-limits.js";
import { type DayNumber, dayNumberOf, type Period, type Unit } from "./time-buckets.js";

/** An expression parameter: the text as sent and its checked tree. */
export interface Expression {
  readonly source: string;
  readonly node: ExprNode;
}

export function optionalText(q: URLSearchParams, name: string): string | undefined {
  const value = q.get(name);
  return value === null || value === "" ? undefined : value;
}

/** A name-like parameter (event, property, id): present, and of a sane length. */
export function requiredName(q: URLSearchParams, name: string): string {
  const value = optionalName(q, name);
  if (value === undefined) throw new QueryParamError(name, "is required");
  return value;
}

export function optionalName(q: URLSearchParams, name: string): string | undefined {
  const value = optionalText(q, name);
  if (value !== undefined && value.length > QUERY_LIMITS.maxNameChars) {
    throw new QueryParamError(name, `is longer than ${QUERY_LIMITS.maxNameChars} characters`);
  }
  return value;
}

/** A whole number in [min, max], written in plain decimal digits. */
export function integer(
  q: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = optionalText(q, name);
  if (text === undefined) return fallback;
  if (!/^\d{1,15}$/.test(text)) throw new QueryParamError(name, `${shown(text)} is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) {
    throw new QueryParamError(name, `must be from ${min} to ${max.toLocaleString("en-US")}, got ${value}`);
  }
  return value;
}

export function oneOf<T extends string>(
  q: URLSearchParams,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const text = optionalText(q, name);
  if (text === undefined) return fallback;
  const found = allowed.find((a) => a === text);
  if (found === undefined) {
    throw new QueryParamError(name, `${shown(text)} is not one of ${allowed.join(", ")}`);
  }
  return found;
}

export function flag(q: URLSearchParams, name: string): boolean {
  const text = optionalText(q, name)?.toLowerCase();
  // Any case: Python's requests sends True and False.
  if (text === undefined || text === "false" || text === "0") return false;
  if (text === "true" || text === "1") return true;
  throw new QueryParamError(name, `${shown(text)} is not true, false, 1 or 0`);
}

// ---- dates and periods --------------------------------------------------------------------------

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Years a date parameter may name: events are accepted from 1971, and labels have four digits. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 9999;

export function date(q: URLSearchParams, name: string): DayNumber {
  const text = optionalText(q, name);
  if (text === undefined) throw new QueryParamError(name, "is required (a date yyyy-mm-dd)");
  const m = DATE.exec(text);
  if (m === null) throw new QueryParamError(name, `${shown(text)} is not a date yyyy-mm-dd`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < FIRST_YEAR || year > LAST_YEAR) {
    throw new QueryParamError(name, `${shown(text)} is outside the years ${FIRST_YEAR} to ${LAST_YEAR}`);
  }
  const dayNumber = dayNumberOf(year, month, day);
  const roundTrip = new Date(dayNumber * 86400 * 1000);
  if (month < 1 || month > 12 || roundTrip.getUTCDate() !== day || roundTrip.getUTCMonth() !== month - 1) {
    throw new QueryParamError(name, `${shown(text)} is not a day of the calendar`);
  }
  return dayNumber;
}

/** from_date..to_date, inclusive: in order and at most maxRangeDays long. */
export function dateRange(q: URLSearchParams): Period & { kind: "dates" } {
  const from = date(q, "from_date");
  const to = date(q, "to_date");
  if (from > to) throw new QueryParamError("to_date", "is before from_date");
  const days = to - from + 1;
  if (days > QUERY_LIMITS.maxRangeDays) {
    throw new QueryParamError(
      "to_date",
      `the range is ${days} days; at most ${QUERY_LIMITS.maxRangeDays.toLocaleString("en-US")} are allowed`,
    );
  }
  return { kind: "dates", from, to };
}

/** Nominal length of a unit in days, for the bounds on ranges and buckets. */
const UNIT_DAYS: Readonly<Record<Unit, number>> = {
  minute: 1 / 1440,
  hour: 1 / 24,
  day: 1,
  week: 7,
  month: 31,
};

/**
 * Dates, or `interval` (the last N units up to now). Dates win when given: a client that sends
 * both means the dates. Either way the series must fit in maxBuckets.
 */
export function period(q: URLSearchParams, unit: Unit, intervalAllowed: boolean): Period {
  const hasDates = optionalText(q, "from_date") !== undefined || optionalText(q, "to_date") !== undefined;
  if (!hasDates && intervalAllowed && optionalText(q, "interval") !== undefined) {
    const maxUnits = Math.floor(QUERY_LIMITS.maxRangeDays / UNIT_DAYS[unit]);
    const units = integer(q, "interval", 1, 1, Math.min(maxUnits, QUERY_LIMITS.maxBuckets));
    return { kind: "last", units };
  }
  const range = dateRange(q);
  checkBuckets(range, unit);
  return range;
}

export function checkBuckets(range: { from: DayNumber; to: DayNumber }, unit: Unit): void {
  const buckets = Math.ceil((range.to - range.from + 1) / UNIT_DAYS[unit]);
  if (buckets > QUERY_LIMITS.maxBuckets) {
    throw new QueryParamError(
      "unit",
      `${unit} over ${range.to - range.from + 1} days gives ${buckets} buckets; at most ${QUERY_LIMITS.maxBuckets.toLocaleString("en-US")} are allowed`,
    );
  }
}

// ---- JSON lists and expressions -----------------------------------------------------------------

/** A parameter holding a JSON array; its elements are checked by the caller. */
export function jsonArray(q: URLSearchParams, name: string): unknown[] | undefined {
  const text = optionalText(q, name);
  if (text === undefined) return undefined;
  if (text.length > QUERY_LIMITS.maxJsonChars) {
    throw new QueryParamError(name, `is longer than ${QUERY_LIMITS.maxJsonChars} characters`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const why = error instanceof SyntaxError ? error.message : "unreadable";
    throw new QueryParamError(name, `is not valid JSON (${why}); expected an array such as ["a", "b"]`);
  }
  if (!Array.isArray(parsed)) throw new QueryParamError(name, 'must be a JSON array such as ["a", "b"]');
  return parsed;
}

/** A JSON array of non-empty strings, at most `max` of them, duplicates dropped (first kept). */
export function stringList(q: URLSearchParams, name: string, max: number): string[] | undefined {
  const items = jsonArray(q, name);
  if (items === undefined) return undefined;
  if (items.length === 0) throw new QueryParamError(name, "is an empty list");
  if (items.length > max)
    throw new QueryParamError(name, `has ${items.length} items; at most ${max} are allowed`);
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (typeof item !== "string" || item === "") {
      throw new QueryParamError(name, `item ${i + 1} is not a non-empty string`);
    }
    if (item.length > QUERY_LIMITS.maxNameChars) {
      throw new QueryParamError(name, `item ${i + 1} is longer than ${QUERY_LIMITS.maxNameChars} characters`);
    }
    seen.add(item);
  }
  return [...seen];
}

export function expression(q: URLSearchParams, name: string): Expression | undefined {
  const source = optionalText(q, name);
  return source === undefined ? undefined : parseExpression(name, source);
}

export function requiredExpression(q: URLSearchParams, name: string): Expression {
  const e = expression(q, name);
  if (e === undefined) throw new QueryParamError(name, "is required (an expression)");
  return e;
}

/** Parses an expression for a parameter; a bad one is a QueryParamError quoting the parser. */
export function parseExpression(parameter: string, source: string, context = ""): Expression {
  try {
    return { source, node: parse(source) };
  } catch (error) {
    if (error instanceof ExprError) throw new QueryParamError(parameter, `${context}${error.format()}`);
    throw error;
  }
}
