// The endpoints that return records rather than counts — export, stream/query and engage — over the
// event store, the alias map and the profile store.

import { setImmediate } from "node:timers/promises";
import { compile } from "../expr/compile.js";
import { propertyReads } from "../expr/reads.js";
import type { EvalContext, JsonObject } from "../expr/value.js";
import { isAnonymousId } from "../process/alias-anonymous-id.js";
import type { AliasSnapshots } from "../process/alias-snapshots.js";
import type { AliasStore } from "../process/alias-store.js";
import type { SqliteProfileStore } from "../process/profile-sqlite-store.js";
import { EngageError } from "../process/profile-store.js";
import type { Project } from "../projects/project.js";
import { QueryParamError } from "../query/params-error.js";
import { QUERY_LIMITS } from "../query/params-limits.js";
import { parseEngageParams, parseExportParams, parseStreamParams } from "../query/params-raw.js";
import type { Expression } from "../query/params-read.js";
import {
  type DayBatches,
  dedupLatest,
  exportRecord,
  rawEvents,
  type UserProfiles,
} from "../query/raw-events.js";
import { formatDay } from "../query/time-buckets.js";
import type { EventStore } from "../store/event-store.js";
import { profileLookup } from "./engine-endpoints.js";
import type { QueryEndpoint, QueryRequest } from "./query-api.js";

export interface RecordServices {
  readonly store: EventStore;
  readonly aliases: AliasStore;
  /** The alias map `user[…]` reads profiles through, as the engine's queries do. */
  readonly aliasSnapshots: AliasSnapshots;
  readonly profiles: SqliteProfileStore;
  /** Overrides of QUERY_LIMITS for these endpoints (tests). */
  readonly limits?: { readonly maxStreamEvents?: number };
}

function contextOf(project: Project): EvalContext {
  return { now: Math.floor(Date.now() / 1000), timeZone: project.timeZone };
}

/**
 * The store's days one at a time, each snapshot released before the next is taken. A turn of the
 * event loop between days: a range of days that match nothing yields too, so the query's timeout can
 * stop it and the processor's work goes on meanwhile.
 */
async function* daysOf(
  store: EventStore,
  projectId: number,
  period: { from: number; to: number },
  signal: AbortSignal,
) {
  const from = formatDay(period.from);
  const to = formatDay(period.to);
  for (const day of store.days(projectId)) {
    if (day < from || day > to) continue;
    await setImmediate();
    // Thrown, not returned: a stream cut short must not end as if it were whole.
    signal.throwIfAborted();
    const snapshot = store.partitions(projectId, day, day);
    try {
      for (const p of snapshot.partitions) yield { day: p.day, batches: p.batches } satisfies DayBatches;
    } finally {
      snapshot.release();
    }
  }
}

/** What `user[…]` reads, when `where` reads it: the alias map now, and the profiles. */
async function userProfiles(
  services: RecordServices,
  projectId: number,
  where: Expression | undefined,
): Promise<UserProfiles | undefined> {
  if (where === undefined || !propertyReads(where.node).some((read) => read.source === "user"))
    return undefined;
  return {
    aliases: await services.aliasSnapshots.snapshot(projectId),
    profileOf: profileLookup(services.profiles, projectId),
  };
}

function exportEndpoint(services: RecordServices): QueryEndpoint {
  return async ({ project, params, signal }: QueryRequest) => {
    const p = parseExportParams(params);
    const users = await userProfiles(services, project.id, p.where);
    const days = daysOf(services.store, project.id, p.period, signal);
    const events = rawEvents(days, { events: p.events, where: p.where, users }, contextOf(project), p.limit);
    return {
      kind: "stream",
      contentType: "application/x-ndjson; charset=utf-8",
      produce: async (sink) => {
        let chunk = "";
        for await (const e of events) {
          chunk += `${JSON.stringify(exportRecord(e, p.timeInMs))}\n`;
          if (chunk.length >= 64 * 1024) {
            await sink.write(chunk);
            chunk = "";
          }
        }
        if (chunk !== "") await sink.write(chunk);
      },
    };
  };
}

/**
 * Every stored id that counts as one of these users at query time (each through the alias map). An
 * id that means no user ("anonymous", "null", …) names no one: it finds nothing.
 */
async function storedIdsOf(
  aliases: AliasStore,
  projectId: number,
  ids: readonly string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const id of ids) {
    if (isAnonymousId(id)) continue;
    for (const member of await aliases.membersOf(projectId, id)) out.add(member);
  }
  return out;
}

function streamEndpoint(services: RecordServices): QueryEndpoint {
  return async ({ project, params, signal }: QueryRequest) => {
    const p = parseStreamParams(params);
    const ids = await storedIdsOf(services.aliases, project.id, p.distinctIds);
    const days = daysOf(services.store, project.id, p.period, signal);
    const limit = services.limits?.maxStreamEvents ?? QUERY_LIMITS.maxStreamEvents;
    const found = [];
    for await (const e of rawEvents(days, { distinctIds: ids }, contextOf(project), limit + 1)) found.push(e);
    if (found.length > limit) {
      throw new QueryParamError(
        "from_date",
        `these users have more than ${limit.toLocaleString("en-US")} events in the range; ask for a shorter one`,
      );
    }
    const events = dedupLatest(found);
    return {
      kind: "json",
      body: { status: "ok", results: { events: events.map((e) => exportRecord(e, false)) } },
    };
  };
}

function engageEndpoint(services: RecordServices): QueryEndpoint {
  return async ({ project, params, signal }: QueryRequest) => {
    const p = parseEngageParams(params);
    const where = p.where === undefined ? undefined : compile(p.where.node, contextOf(project));
    const distinctIds =
      p.distinctIds === undefined
        ? undefined
        : [...(await services.aliases.resolveMany(project.id, p.distinctIds)).values()];
    const page = await services.profiles
      .query(project.id, {
        distinctIds,
        page: p.page,
        pageSize: p.pageSize,
        sessionId: p.sessionId,
        outputProperties: p.outputProperties,
        signal,
        filter:
          where === undefined
            ? undefined
            : (props) => where.matchesRow({ properties: props as JsonObject, user: props as JsonObject }),
      })
      .catch((error: unknown) => {
        // The store's refusal of a parameter (a stale or foreign session_id) is the request's: 400.
        throw error instanceof EngageError ? new QueryParamError(error.field, error.problem) : error;
      });
    return { kind: "json", body: page };
  };
}

export function recordEndpoints(services: RecordServices): Map<string, QueryEndpoint> {
  return new Map([
    ["export", exportEndpoint(services)],
    ["stream/query", streamEndpoint(services)],
    ["engage", engageEndpoint(services)],
  ]);
}
