// Validates and cleans one profile (/engage) or group (/groups) update in place (spec: "Profiles and
// groups"): its token, its id, exactly one operation with values of the right type, and the
// modifiers. Ids become strings, $time milliseconds, the $ignore_ flags booleans.

import type { ProjectDirectory } from "../projects/project.js";
import { UPDATE_OPERATIONS, type UpdateOperation } from "../queue/envelope.js";
import { epochMilliseconds, LATEST_MS } from "./event-time.js";
import { idString } from "./identity-fields.js";
import { MAX_NAME_BYTES } from "./limits.js";
import { problem, type RecordProblem } from "./record-problem.js";
import { isObject } from "./validate-event.js";
import { checkPropertyMap, exceedsBytes, fieldName } from "./validate-properties.js";

export interface UpdateRules {
  readonly kind: "engage" | "groups";
  /** The client address, when the request asked for ip=1: the profile's $ip unless it names one. */
  readonly clientIp: string | undefined;
  readonly projects: ProjectDirectory;
}

/** What cleanUpdate found out about the record it accepted; one per batch, overwritten per record. */
export interface CleanedUpdate {
  projectId: number;
  operation: UpdateOperation;
}

type Update = Record<string, unknown>;

export function cleanUpdate(raw: unknown, rules: UpdateRules, out: CleanedUpdate): RecordProblem | undefined {
  if (!isObject(raw)) return problem("", "not_an_object", "each record must be a JSON object");
  // Depth -1: the values of an operation obey the same rules as an event's properties.
  const shape = checkPropertyMap(raw, true, -1);
  if (shape !== undefined) return shape;
  const found =
    resolveProject(raw, rules, out) ??
    (rules.kind === "engage" ? cleanDistinctId(raw) : cleanGroup(raw)) ??
    findOperation(raw, out) ??
    checkOperationValue(out.operation, raw[out.operation]) ??
    cleanModifiers(raw);
  if (found !== undefined) return found;
  if (rules.clientIp !== undefined && !Object.hasOwn(raw, "$ip")) raw.$ip = rules.clientIp;
  return undefined;
}

function resolveProject(update: Update, rules: UpdateRules, out: CleanedUpdate): RecordProblem | undefined {
  const token = update.$token;
  if (typeof token !== "string" || token === "")
    return problem("$token", "missing_token", "$token must hold the project token");
  const project = rules.projects.byToken(token);
  if (project === undefined) return problem("$token", "unknown_token", "no project has this token");
  out.projectId = project.id;
  return undefined;
}

function cleanDistinctId(update: Update): RecordProblem | undefined {
  const id = idString(update.$distinct_id);
  if (id === undefined || id === "") {
    return problem(
      "$distinct_id",
      "missing_distinct_id",
      "$distinct_id must be a non-empty string or number",
    );
  }
  update.$distinct_id = id;
  return undefined;
}

function cleanGroup(update: Update): RecordProblem | undefined {
  const key = update.$group_key;
  if (typeof key !== "string" || key === "" || exceedsBytes(key, MAX_NAME_BYTES)) {
    return problem(
      "$group_key",
      "invalid_group",
      `$group_key must be a group property name of 1 to ${MAX_NAME_BYTES} bytes`,
    );
  }
  const id = idString(update.$group_id);
  if (id === undefined || id === "")
    return problem("$group_id", "invalid_group", "$group_id must be a non-empty string or number");
  update.$group_id = id;
  return undefined;
}

function findOperation(update: Update, out: CleanedUpdate): RecordProblem | undefined {
  let found: UpdateOperation | undefined;
  for (const operation of UPDATE_OPERATIONS) {
    if (!Object.hasOwn(update, operation)) continue;
    if (found !== undefined) {
      return problem(
        operation,
        "several_operations",
        `an update holds exactly one operation, not ${found} and ${operation}`,
      );
    }
    found = operation;
  }
  if (found === undefined) {
    return problem("", "no_operation", `an update needs one operation: ${UPDATE_OPERATIONS.join(", ")}`);
  }
  out.operation = found;
  return undefined;
}

function checkOperationValue(operation: UpdateOperation, value: unknown): RecordProblem | undefined {
  if (operation === "$delete") return undefined;
  if (operation === "$unset") return checkUnset(value);
  if (!isObject(value))
    return problem(operation, "invalid_operation_value", `${operation} must be an object of properties`);
  if (operation === "$add") return checkEach(operation, value, isNumber, "must be a number");
  if (operation === "$union") return checkEach(operation, value, Array.isArray, "must be a list of values");
  return undefined;
}

function checkEach(
  operation: UpdateOperation,
  values: Record<string, unknown>,
  accepts: (value: unknown) => boolean,
  rule: string,
): RecordProblem | undefined {
  for (const name in values) {
    if (!accepts(values[name])) {
      return problem(
        `${operation}.${fieldName(name)}`,
        "invalid_operation_value",
        `${operation} value ${rule}`,
      );
    }
  }
  return undefined;
}

function checkUnset(value: unknown): RecordProblem | undefined {
  if (!Array.isArray(value) || !value.every((name) => typeof name === "string")) {
    return problem("$unset", "invalid_operation_value", "$unset must be a list of property names");
  }
  return undefined;
}

function cleanModifiers(update: Update): RecordProblem | undefined {
  const time = update.$time;
  // Undefined is left out by JSON.stringify: a null $time travels as none.
  if (time === null) update.$time = undefined;
  else if (time !== undefined) {
    const ms = epochMilliseconds(time);
    if (!(ms >= 0 && ms <= LATEST_MS)) {
      return problem("$time", "invalid_modifier", "$time must be seconds or milliseconds since the epoch");
    }
    update.$time = ms;
  }
  // mixpanel-python's documented idiom is meta={'$ip': 0}: the number means "none" as "0" does.
  if (update.$ip === 0) update.$ip = "0";
  const ip = update.$ip;
  if (ip !== undefined && typeof ip !== "string") {
    return problem("$ip", "invalid_modifier", '$ip must be an address as a string, or "0" or 0 for none');
  }
  if (update.$ignore_time !== undefined) update.$ignore_time = isSet(update.$ignore_time);
  if (update.$ignore_alias !== undefined) update.$ignore_alias = isSet(update.$ignore_alias);
  return undefined;
}

function isNumber(value: unknown): boolean {
  return typeof value === "number";
}

/** SDKs send these flags as true, "true" or 1. */
function isSet(flag: unknown): boolean {
  return flag === true || flag === 1 || flag === "true" || flag === "1";
}
