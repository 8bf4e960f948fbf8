// `engage`: profiles that `where` keeps (reading the profile through `properties[…]`), optionally
// only those of some users, ordered by distinct id (code point order), a page at a time.

import { evaluate } from "../../expr/interpret.js";
import { compareCodePoints, isTrue } from "../../expr/runtime.js";
import type { JsonObject, Value } from "../../expr/value.js";
import type { EngageParams } from "../params-raw.js";
import type { Dataset } from "./dataset.js";
import { userOf } from "./identity.js";
import { contextOf } from "./query-events.js";
import { type Keyed, keyed } from "./reply-object.js";

export interface ProfileRecord {
  readonly $distinct_id: string;
  readonly $properties: Keyed<Value>;
}

export interface EngageReply {
  readonly page: number;
  readonly page_size: number;
  readonly results: readonly ProfileRecord[];
  /** The client's session_id echoed, or null: the API may hand out its own. */
  readonly session_id: string | null;
  readonly status: "ok";
  /** Profiles matched over all pages. */
  readonly total: number;
}

export function engage(dataset: Dataset, params: EngageParams): EngageReply {
  const ctx = contextOf(dataset);
  const only = params.distinctIds === undefined ? undefined : canonicalIds(dataset, params.distinctIds);
  const matched = [...dataset.profiles]
    .filter(([id]) => only === undefined || only.has(id))
    .filter(
      ([, profile]) =>
        params.where === undefined ||
        isTrue(evaluate(params.where.node, { properties: profile, user: profile }, ctx)),
    )
    .sort((a, b) => compareCodePoints(a[0], b[0]));
  const first = params.page * params.pageSize;
  const results = matched.slice(first, first + params.pageSize).map(([id, profile]) => ({
    $distinct_id: id,
    $properties: shownProperties(profile, params.outputProperties),
  }));
  return {
    page: params.page,
    page_size: params.pageSize,
    results,
    session_id: params.sessionId ?? null,
    status: "ok",
    total: matched.length,
  };
}

function canonicalIds(dataset: Dataset, ids: readonly string[]): Set<string> {
  const canonical = new Set<string>();
  for (const id of ids) {
    const user = userOf(id, dataset.aliases);
    if (user !== null) canonical.add(user);
  }
  return canonical;
}

function shownProperties(profile: JsonObject, wanted: readonly string[] | undefined): Keyed<Value> {
  const entries = Object.entries(profile);
  if (wanted === undefined) return keyed(entries);
  const keep = new Set(wanted);
  return keyed(entries.filter(([key]) => keep.has(key)));
}
