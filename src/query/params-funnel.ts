// The parameters of `funnels`: the steps (a JSON array of `{"event", "selector"}`), the dates of
// entry, the conversion window and the segmentation.

import { QueryParamError } from "./params-error.js";
import { QUERY_LIMITS } from "./params-limits.js";
import {
  checkBuckets,
  dateRange,
  type Expression,
  expression,
  integer,
  jsonArray,
  oneOf,
  optionalText,
  parseExpression,
} from "./params-read.js";
import { type Period, UNITS, type Unit } from "./time-buckets.js";

export interface FunnelStep {
  readonly event: string;
  /** Filters this step's events, on top of `where`. */
  readonly selector: Expression | undefined;
}

export type LengthUnit = "second" | "minute" | "hour" | "day" | "week";

const LENGTH_UNIT_SECONDS: Readonly<Record<LengthUnit, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 7 * 86400,
};

export interface FunnelParams {
  readonly steps: readonly FunnelStep[];
  readonly period: Period & { kind: "dates" };
  /** The conversion window, in seconds from the entry. */
  readonly windowSeconds: number;
  readonly unit: Unit;
  readonly on: Expression | undefined;
  readonly where: Expression | undefined;
  /** Top segments kept, by how many users entered. */
  readonly limit: number;
}

export function parseFunnelParams(q: URLSearchParams): FunnelParams {
  const unit = oneOf(q, "unit", UNITS, "day");
  const range = dateRange(q);
  checkBuckets(range, unit);
  return {
    steps: funnelSteps(q),
    period: range,
    windowSeconds: conversionWindow(q),
    unit,
    on: expression(q, "on"),
    where: expression(q, "where"),
    limit: integer(q, "limit", QUERY_LIMITS.defaultFunnelSegments, 1, QUERY_LIMITS.maxSegments),
  };
}

/** The spec's conversion window when `length` is not given, whatever `length_unit` says. */
const DEFAULT_WINDOW_SECONDS = 30 * 86400;

function conversionWindow(q: URLSearchParams): number {
  const lengthUnit = oneOf(q, "length_unit", Object.keys(LENGTH_UNIT_SECONDS) as LengthUnit[], "day");
  if (optionalText(q, "length") === undefined) return DEFAULT_WINDOW_SECONDS;
  const perUnit = LENGTH_UNIT_SECONDS[lengthUnit];
  const maxSeconds = QUERY_LIMITS.maxConversionWindowDays * 86400;
  return integer(q, "length", 1, 1, Math.floor(maxSeconds / perUnit)) * perUnit;
}

function funnelSteps(q: URLSearchParams): FunnelStep[] {
  const items = jsonArray(q, "events");
  if (items === undefined) {
    throw new QueryParamError(
      "events",
      'is required (a JSON array such as [{"event": "Signup"}, {"event": "Buy"}])',
    );
  }
  if (items.length === 0) throw new QueryParamError("events", "is an empty list; a funnel needs a step");
  if (items.length > QUERY_LIMITS.maxFunnelSteps) {
    throw new QueryParamError(
      "events",
      `has ${items.length} steps; at most ${QUERY_LIMITS.maxFunnelSteps} are allowed`,
    );
  }
  return items.map((item, i) => funnelStep(item, i + 1));
}

/** `{"event": "Buy", "selector": "…"}`, or just the event name as a string. */
function funnelStep(item: unknown, n: number): FunnelStep {
  if (typeof item === "string") return { event: stepEvent(item, n), selector: undefined };
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new QueryParamError("events", `step ${n} is not an object such as {"event": "Signup"}`);
  }
  const event = Object.hasOwn(item, "event") ? (item as { event: unknown }).event : undefined;
  const selector = Object.hasOwn(item, "selector") ? (item as { selector: unknown }).selector : undefined;
  if (typeof event !== "string") throw new QueryParamError("events", `step ${n} has no "event" name`);
  if (selector !== undefined && selector !== null && typeof selector !== "string") {
    throw new QueryParamError("events", `step ${n}'s "selector" is not a string`);
  }
  return {
    event: stepEvent(event, n),
    selector:
      typeof selector === "string" && selector !== ""
        ? parseExpression("events", selector, `step ${n}'s selector: `)
        : undefined,
  };
}

function stepEvent(name: string, n: number): string {
  if (name === "") throw new QueryParamError("events", `step ${n} has an empty event name`);
  if (name.length > QUERY_LIMITS.maxNameChars) {
    throw new QueryParamError(
      "events",
      `step ${n}'s event name is longer than ${QUERY_LIMITS.maxNameChars} characters`,
    );
  }
  return name;
}
