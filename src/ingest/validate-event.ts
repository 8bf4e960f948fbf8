// Validates and cleans one event (spec: "Events" and "Identity") in place: the time becomes seconds
// with millisecond precision, ids become strings, a missing $insert_id is generated. The server
// adds nothing else to properties but `ip` with ip=1.
// Hot path: per record, no allocation besides the cleaned {event, properties} pair, a generated id
// and the problem of a failing record.

import { randomUUID } from "node:crypto";
import type { Project, ProjectDirectory } from "../projects/project.js";
import type { EventRecord } from "../queue/envelope.js";
import { epochMilliseconds, LATEST_MS } from "./event-time.js";
import { idString } from "./identity-fields.js";
import {
  IMPORT_EARLIEST_MS,
  MAX_AHEAD_MS,
  MAX_INSERT_ID_CHARS,
  MAX_NAME_BYTES,
  TRACK_MAX_AGE_MS,
} from "./limits.js";
import { problem, type RecordProblem, within } from "./record-problem.js";
import { checkPropertyMap, exceedsBytes } from "./validate-properties.js";

export interface EventRules {
  /** /import's rules (time from 1971, $insert_id required, strings kept whole) rather than /track's. */
  readonly importing: boolean;
  readonly nowMs: number;
  /** The client address, when the request asked for ip=1. */
  readonly clientIp: string | undefined;
  readonly projects: ProjectDirectory;
  /** /import: the project the credentials opened; /track finds it by each record's token. */
  readonly project: Project | undefined;
}

/** What cleanEvent found out about the record it accepted; one per batch, overwritten per record. */
export interface CleanedEvent {
  record: EventRecord | undefined;
  projectId: number;
  insertIdGenerated: boolean;
}

type Properties = Record<string, unknown>;

/** What a client's $insert_id must look like. */
export const INSERT_ID = new RegExp(`^[A-Za-z0-9-]{1,${MAX_INSERT_ID_CHARS}}$`);

export function cleanEvent(raw: unknown, rules: EventRules, out: CleanedEvent): RecordProblem | undefined {
  if (!isObject(raw)) return problem("", "not_an_object", "each record must be a JSON object");
  const name = raw.event;
  if (typeof name !== "string" || name === "") {
    return problem("event", "invalid_event_name", "event must be a non-empty string");
  }
  if (exceedsBytes(name, MAX_NAME_BYTES)) {
    return problem("event", "invalid_event_name", `event name is longer than ${MAX_NAME_BYTES} bytes`);
  }
  const properties = raw.properties;
  if (!isObject(properties))
    return problem("properties", "invalid_properties", "properties must be a JSON object");
  const shape = checkPropertyMap(properties, !rules.importing, 0);
  if (shape !== undefined) return within("properties", shape);
  const found =
    resolveProject(properties, rules, out) ??
    cleanTime(properties, rules) ??
    cleanDistinctId(properties, rules) ??
    cleanInsertId(properties, rules, out) ??
    checkIdentityEvent(name, properties, rules);
  if (found !== undefined) return found;
  // Generated only now, so a refused record is reported with the $insert_id it was sent with.
  if (out.insertIdGenerated) properties.$insert_id = randomUUID();
  if (rules.clientIp !== undefined && !Object.hasOwn(properties, "ip")) properties.ip = rules.clientIp;
  // Only the two fields of an event travel on: anything else at the top level is not Mixpanel data.
  out.record = { event: name, properties } as EventRecord;
  return undefined;
}

function resolveProject(
  properties: Properties,
  rules: EventRules,
  out: CleanedEvent,
): RecordProblem | undefined {
  if (rules.project !== undefined) {
    out.projectId = rules.project.id;
    return undefined;
  }
  const token = properties.token;
  if (typeof token !== "string" || token === "") {
    return problem("properties.token", "missing_token", "properties.token must hold the project token");
  }
  const project = rules.projects.byToken(token);
  if (project === undefined) return problem("properties.token", "unknown_token", "no project has this token");
  out.projectId = project.id;
  return undefined;
}

function cleanTime(properties: Properties, rules: EventRules): RecordProblem | undefined {
  const sent = properties.time;
  if (sent === undefined || sent === null) {
    if (rules.importing)
      return problem("properties.time", "missing_time", "properties.time is required on /import");
    properties.time = rules.nowMs / 1000;
    return undefined;
  }
  const ms = epochMilliseconds(sent);
  if (Number.isNaN(ms)) {
    return problem(
      "properties.time",
      "invalid_time",
      "properties.time must be a number of seconds or milliseconds since the epoch",
    );
  }
  if (rules.importing ? ms < IMPORT_EARLIEST_MS : ms < rules.nowMs - TRACK_MAX_AGE_MS) {
    const rule = rules.importing
      ? "must not be before 1971-01-01"
      : "is more than 5 days old: send older events to /import";
    return problem("properties.time", "time_out_of_range", `properties.time ${rule}`);
  }
  if (ms > LATEST_MS)
    return problem("properties.time", "time_out_of_range", "properties.time is after the year 9999");
  // Events from more than an hour ahead are taken as happening now, as Mixpanel does.
  properties.time = (ms > rules.nowMs + MAX_AHEAD_MS ? rules.nowMs : ms) / 1000;
  return undefined;
}

function cleanDistinctId(properties: Properties, rules: EventRules): RecordProblem | undefined {
  const sent = properties.distinct_id;
  if (sent === undefined || sent === null) {
    // Undefined is left out by JSON.stringify, so a null id travels as no id.
    properties.distinct_id = rules.clientIp;
    return undefined;
  }
  const id = idString(sent);
  if (id === undefined) {
    return problem(
      "properties.distinct_id",
      "invalid_distinct_id",
      "properties.distinct_id must be a string or a number",
    );
  }
  properties.distinct_id = id;
  return undefined;
}

function cleanInsertId(
  properties: Properties,
  rules: EventRules,
  out: CleanedEvent,
): RecordProblem | undefined {
  const sent = properties.$insert_id;
  out.insertIdGenerated = false;
  if (sent === undefined || sent === null) {
    if (rules.importing) {
      return problem(
        "properties.$insert_id",
        "missing_insert_id",
        "properties.$insert_id is required on /import",
      );
    }
    out.insertIdGenerated = true;
    return undefined;
  }
  if (typeof sent !== "string" || !INSERT_ID.test(sent)) {
    return problem(
      "properties.$insert_id",
      "invalid_insert_id",
      `properties.$insert_id must be 1 to ${MAX_INSERT_ID_CHARS} letters, digits or '-'`,
    );
  }
  return undefined;
}

/** The identity events carry the ids the processor links; without them they would do nothing. */
function checkIdentityEvent(
  name: string,
  properties: Properties,
  rules: EventRules,
): RecordProblem | undefined {
  if (name === "$create_alias") return checkAlias(properties);
  if (name === "$identify") return checkIdentify(properties);
  if (name === "$merge")
    return rules.importing
      ? checkMerge(properties)
      : identityProblem("event", "$merge is accepted on /import only");
  return undefined;
}

function checkAlias(properties: Properties): RecordProblem | undefined {
  const id = properties.distinct_id;
  if (id === undefined || id === "")
    return identityProblem("properties.distinct_id", "$create_alias needs the existing id in distinct_id");
  const alias = idString(properties.alias);
  if (alias === undefined || alias === "")
    return identityProblem(
      "properties.alias",
      "$create_alias needs the new id in alias (a string or number)",
    );
  if (alias === id) return identityProblem("properties.alias", "alias must differ from distinct_id");
  properties.alias = alias;
  return undefined;
}

function checkIdentify(properties: Properties): RecordProblem | undefined {
  if (properties.distinct_id === undefined || properties.distinct_id === "") {
    return identityProblem("properties.distinct_id", "$identify needs the identified id in distinct_id");
  }
  // The first of the two that holds an id, as the processor reads them (a null one holds none).
  const given = properties.$anon_distinct_id;
  const field = given !== undefined && given !== null && given !== "" ? "$anon_distinct_id" : "$anon_id";
  const anon = idString(properties[field]);
  if (anon === undefined || anon === "") {
    return identityProblem(
      `properties.${field}`,
      "$identify needs the anonymous id in $anon_distinct_id or $anon_id",
    );
  }
  properties[field] = anon;
  return undefined;
}

function checkMerge(properties: Properties): RecordProblem | undefined {
  const ids = properties.$distinct_ids;
  if (!Array.isArray(ids) || ids.length !== 2) {
    return identityProblem(
      "properties.$distinct_ids",
      "$merge needs $distinct_ids: a list of exactly two ids",
    );
  }
  for (let i = 0; i < 2; i++) {
    const id = idString(ids[i]);
    if (id === undefined || id === "") {
      return identityProblem(
        `properties.$distinct_ids.${i}`,
        "each id of $distinct_ids must be a non-empty string or number",
      );
    }
    ids[i] = id;
  }
  return undefined;
}

function identityProblem(field: string, message: string): RecordProblem {
  return problem(field, "invalid_identity_event", message);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
