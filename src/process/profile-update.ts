// One `/engage` or `/groups` record as the profile store applies it, and the parser that turns the
// record as it arrived (already JSON) into one (spec/ingestion.md, "Profiles and groups").

import { UPDATE_OPERATIONS } from "../queue/envelope.js";
import { isList, type JsonValue } from "./profile-json.js";

export type ProfileTarget =
  | { readonly kind: "person"; readonly distinctId: string }
  | { readonly kind: "group"; readonly groupKey: string; readonly groupId: string };

/** Property name → value pairs, in the record's order. Names are data; a list keeps them so. */
export type PropertyEntries<V = JsonValue> = readonly (readonly [string, V])[];

export type ProfileOperation =
  | { readonly op: "$set" | "$set_once" | "$append" | "$remove"; readonly entries: PropertyEntries }
  | { readonly op: "$union"; readonly entries: PropertyEntries<readonly JsonValue[]> }
  | { readonly op: "$add"; readonly entries: PropertyEntries<number> }
  | { readonly op: "$unset"; readonly keys: readonly string[] }
  | { readonly op: "$delete" };

export interface ProfileUpdate {
  readonly target: ProfileTarget;
  /** In the order the record lists them. */
  readonly operations: readonly ProfileOperation[];
  /** `$time` in milliseconds since the epoch, or the arrival time when the record has none. */
  readonly time: number;
  /** `$ignore_time`: leave `$last_seen` alone. */
  readonly ignoreTime: boolean;
  /** `$ignore_alias`: the caller applies the update to the id as sent, not through the alias map. */
  readonly ignoreAlias: boolean;
  /**
   * `$ip` (absent when missing or "0"). Not stored: deriving `$city`/`$country_code` needs a GeoIP
   * database Tally does not ship; kept here for the day one is added.
   */
  readonly ip?: string;
}

export type ParsedProfileUpdate =
  | { readonly ok: true; readonly update: ProfileUpdate }
  | { readonly ok: false; readonly field: string; readonly message: string };

/** The operations ingest accepts (queue/envelope.ts names them for both stages). */
const OPERATIONS: ReadonlySet<string> = new Set(UPDATE_OPERATIONS);

/** Largest |ms| a Date can hold; `$last_seen` is written from the update's time. */
const MAX_TIME_MS = 8.64e15;

class Rejected extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads one profile or group update record. `receivedAt` (ms) stands in for a missing `$time`.
 * Refuses, naming the field, a record without a target or operation, an `$add` of a non-number, a
 * `$union` of a non-list, an `$unset` of anything but names, and a `$time` that is not a time.
 */
export function parseProfileUpdate(record: unknown, receivedAt: number): ParsedProfileUpdate {
  try {
    if (!isObject(record)) throw new Rejected("record", "a profile update must be a JSON object");
    const update: ProfileUpdate = {
      target: readTarget(record),
      operations: readOperations(record),
      time: readTime(record, receivedAt),
      ignoreTime: isTrue(own(record, "$ignore_time")),
      ignoreAlias: isTrue(own(record, "$ignore_alias")),
      ip: readIp(own(record, "$ip")),
    };
    return { ok: true, update };
  } catch (err) {
    if (err instanceof Rejected) return { ok: false, field: err.field, message: err.message };
    throw err;
  }
}

function readTarget(record: Record<string, unknown>): ProfileTarget {
  if (Object.hasOwn(record, "$group_key")) {
    const groupKey = own(record, "$group_key");
    if (typeof groupKey !== "string" || groupKey === "") {
      throw new Rejected("$group_key", "$group_key must be a non-empty string");
    }
    return { kind: "group", groupKey, groupId: readId(record, "$group_id") };
  }
  return { kind: "person", distinctId: readId(record, "$distinct_id") };
}

function readId(record: Record<string, unknown>, field: string): string {
  const value = own(record, field);
  const id = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  if (typeof id !== "string" || id === "")
    throw new Rejected(field, `${field} must be a non-empty string or a number`);
  return id;
}

function readOperations(record: Record<string, unknown>): ProfileOperation[] {
  const operations: ProfileOperation[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (OPERATIONS.has(name)) operations.push(readOperation(name, value));
  }
  if (operations.length === 0) {
    throw new Rejected("record", `a profile update needs one of ${[...OPERATIONS].join(", ")}`);
  }
  return operations;
}

function readOperation(op: string, value: unknown): ProfileOperation {
  switch (op) {
    case "$delete":
      return { op };
    case "$unset":
      return { op, keys: readNames(value) };
    case "$add":
      return { op, entries: readEntries(op, value, isNumber, "a number") };
    case "$union":
      return { op, entries: readEntries(op, value, isList, "a list") };
    case "$set":
    case "$set_once":
    case "$append":
    case "$remove":
      return { op, entries: readEntries(op, value, isJson, "a JSON value") };
  }
  throw new Rejected(op, `unknown operation ${op}`);
}

function readEntries<V extends JsonValue>(
  op: string,
  value: unknown,
  accepts: (v: JsonValue) => v is V,
  what: string,
): PropertyEntries<V> {
  if (!isObject(value)) throw new Rejected(op, `${op} must be an object of property names to values`);
  const entries: (readonly [string, V])[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (!accepts(v as JsonValue)) throw new Rejected(`${op}.${key}`, `${op} of "${key}" must be ${what}`);
    entries.push([key, v as V]);
  }
  return entries;
}

/** `$unset` takes a list of names; a lone name is read as a list of one. */
function readNames(value: unknown): string[] {
  const names = typeof value === "string" ? [value] : value;
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
    throw new Rejected("$unset", "$unset must be a list of property names");
  }
  return names;
}

/** Seconds or milliseconds since the epoch, as for event `time`: above 10^11 it is milliseconds. */
function readTime(record: Record<string, unknown>, receivedAt: number): number {
  const value = own(record, "$time");
  if (value === undefined || value === null) return receivedAt;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) throw new Rejected("$time", "$time must be a number");
  const ms = Math.abs(n) > 1e11 ? n : n * 1000;
  if (Math.abs(ms) > MAX_TIME_MS) throw new Rejected("$time", "$time is out of range");
  return ms;
}

function readIp(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value !== "0" ? value : undefined;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 1 || value === "true" || value === "1";
}

function isNumber(v: JsonValue): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function isJson(v: JsonValue): v is JsonValue {
  return v !== undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a record member only if it is the record's own, never one reached through a prototype. */
function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
