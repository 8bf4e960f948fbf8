// The parameters of the endpoints that return records rather than counts: `engage` (profiles),
// `export` (raw events) and `stream/query` (one user's activity).

import { QueryParamError } from "./params-error.js";
import { QUERY_LIMITS } from "./params-limits.js";
import {
  dateRange,
  type Expression,
  expression,
  flag,
  integer,
  optionalName,
  stringList,
} from "./params-read.js";
import type { Period } from "./time-buckets.js";

export interface EngageParams {
  /** A profile expression: `properties["k"]` reads the profile. */
  readonly where: Expression | undefined;
  /** Only these users (from `distinct_id` or `distinct_ids`), when given. */
  readonly distinctIds: readonly string[] | undefined;
  /** Only these profile properties in each result, when given. */
  readonly outputProperties: readonly string[] | undefined;
  /** Zero-based. */
  readonly page: number;
  readonly pageSize: number;
  /** Echoed so a client can page through one listing. */
  readonly sessionId: string | undefined;
}

export interface ExportParams {
  readonly period: Period & { kind: "dates" };
  /** Only these event names, when given. */
  readonly events: readonly string[] | undefined;
  readonly where: Expression | undefined;
  /** At most this many events, when given. */
  readonly limit: number | undefined;
  readonly timeInMs: boolean;
}

export interface StreamParams {
  readonly distinctIds: readonly string[];
  readonly period: Period & { kind: "dates" };
}

export function parseEngageParams(q: URLSearchParams): EngageParams {
  return {
    where: expression(q, "where"),
    distinctIds: distinctIdsOf(q),
    outputProperties: stringList(q, "output_properties", QUERY_LIMITS.maxOutputProperties),
    page: integer(q, "page", 0, 0, QUERY_LIMITS.maxPage),
    pageSize: integer(q, "page_size", QUERY_LIMITS.maxPageSize, 1, QUERY_LIMITS.maxPageSize),
    sessionId: optionalName(q, "session_id"),
  };
}

function distinctIdsOf(q: URLSearchParams): string[] | undefined {
  const one = optionalName(q, "distinct_id");
  const many = stringList(q, "distinct_ids", QUERY_LIMITS.maxDistinctIds);
  if (one !== undefined && many !== undefined) {
    throw new QueryParamError("distinct_ids", "cannot be given together with distinct_id");
  }
  return one !== undefined ? [one] : many;
}

export function parseExportParams(q: URLSearchParams): ExportParams {
  const limit = q.get("limit");
  return {
    period: dateRange(q),
    events: stringList(q, "event", QUERY_LIMITS.maxListItems),
    where: expression(q, "where"),
    limit:
      limit === null || limit === ""
        ? undefined
        : integer(q, "limit", QUERY_LIMITS.maxExportLimit, 1, QUERY_LIMITS.maxExportLimit),
    timeInMs: flag(q, "time_in_ms"),
  };
}

export function parseStreamParams(q: URLSearchParams): StreamParams {
  const distinctIds = stringList(q, "distinct_ids", QUERY_LIMITS.maxDistinctIds);
  if (distinctIds === undefined) {
    throw new QueryParamError("distinct_ids", 'is required (a JSON array such as ["user-1"])');
  }
  return { distinctIds, period: dateRange(q) };
}
