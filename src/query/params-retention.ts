// The parameters of `retention` (birth and compounded) and `retention/addiction`.

import { QueryParamError } from "./params-error.js";
import { QUERY_LIMITS } from "./params-limits.js";
import { dateRange, type Expression, expression, integer, oneOf, optionalName } from "./params-read.js";
import type { Period } from "./time-buckets.js";

/** Retention and addiction count in calendar units; minutes and hours are not cohorts. */
export type CohortUnit = "day" | "week" | "month";

const COHORT_UNITS: readonly CohortUnit[] = ["day", "week", "month"];

export type RetentionType = "birth" | "compounded";

export interface RetentionParams {
  readonly retentionType: RetentionType;
  /** birth: what puts a user in a cohort (required for birth; compounded uses `event`). */
  readonly bornEvent: string | undefined;
  readonly bornWhere: Expression | undefined;
  /** What counts as coming back; absent means any event. */
  readonly event: string | undefined;
  readonly where: Expression | undefined;
  readonly period: Period & { kind: "dates" };
  readonly unit: CohortUnit;
  /** Later buckets counted after the cohort's own: `counts` has interval_count + 1 entries. */
  readonly intervalCount: number;
  readonly on: Expression | undefined;
  readonly limit: number;
}

export type AddictionUnit = "hour" | "day";

export interface AddictionParams {
  /** Absent means any event. */
  readonly event: string | undefined;
  readonly where: Expression | undefined;
  readonly period: Period & { kind: "dates" };
  readonly unit: CohortUnit;
  /** The finer unit whose distinct occurrences are counted inside each `unit`. */
  readonly addictionUnit: AddictionUnit;
}

export function parseRetentionParams(q: URLSearchParams): RetentionParams {
  const retentionType = oneOf<RetentionType>(q, "retention_type", ["birth", "compounded"], "birth");
  const bornEvent = optionalName(q, "born_event");
  if (retentionType === "birth" && bornEvent === undefined) {
    throw new QueryParamError("born_event", "is required for birth retention");
  }
  return {
    retentionType,
    bornEvent,
    bornWhere: expression(q, "born_where"),
    event: optionalName(q, "event"),
    where: expression(q, "where"),
    period: dateRange(q),
    unit: oneOf(q, "unit", COHORT_UNITS, "day"),
    intervalCount: integer(q, "interval_count", 1, 1, QUERY_LIMITS.maxIntervalCount),
    on: expression(q, "on"),
    limit: integer(q, "limit", QUERY_LIMITS.defaultSegments, 1, QUERY_LIMITS.maxSegments),
  };
}

export function parseAddictionParams(q: URLSearchParams): AddictionParams {
  const unit = oneOf(q, "unit", COHORT_UNITS, "day");
  const addictionUnit = oneOf<AddictionUnit>(
    q,
    "addiction_unit",
    ["hour", "day"],
    unit === "day" ? "hour" : "day",
  );
  if (unit === "day" && addictionUnit === "day") {
    throw new QueryParamError("addiction_unit", "must be finer than unit: use hour with unit=day");
  }
  return {
    event: optionalName(q, "event"),
    where: expression(q, "where"),
    period: dateRange(q),
    unit,
    addictionUnit,
  };
}
