// The record format between ingest and processing: one queue payload per accepted record, UTF-8
// JSON with short keys because every event pays for them on disk:
//
//   {"k":"event","p":7,"t":1700000000123,"g":1,"e":1700000000.5,"i":"u1","d":{"event":"Signup",…}}
//   {"k":"engage","p":7,"t":1700000000123,"o":"$set","d":{"$distinct_id":"u1","$set":{…},…}}
//   {"k":"groups","p":7,"t":1700000000123,"o":"$union","d":{"$group_key":"company","$group_id":"c1",…}}
//
// k  kind of record: "event" (/track, /import), "engage" (profile update), "groups" (group update)
// p  project id, resolved at ingest from the token or the /import credentials
// t  arrival time in milliseconds since the epoch
// g  1 when ingest generated properties.$insert_id (absent otherwise): such an id is unique but not
//    the client's, so deduplication must ignore it
// e  on an ordinary event (any but $create_alias, $identify and $merge): the record's
//    properties.time, written as the record writes it; and i, its properties.distinct_id when it
//    has one. With them the processor files the event and hands its bytes on as they are, without
//    reading the record (process/event-scan.ts). Identity events carry neither: processing them
//    parses the record. An envelope without `e` is read the long way, so older logs still work.
// o  the one operation of a profile or group update ($set, $set_once, $add, $append, $union,
//    $remove, $unset, $delete), so the processor need not search for it
// d  the record as ingest cleaned it. Events: properties.time is seconds since the epoch with
//    millisecond precision; properties.distinct_id, when present, is a string; properties.$insert_id
//    is always present; every other property is as sent (strings cut to 255 characters on /track).
//    Updates: $distinct_id / $group_id are strings; $time, when present, is milliseconds since the
//    epoch (absent: order by t); $ignore_time and $ignore_alias are booleans.
//
// `d` comes from JSON.parse, so user keys such as "__proto__" are own data properties: read them
// with Object.hasOwn or copy them into a Map, never into a plain `{}`.

import { CHAR, isDigit, numberEnd } from "../util/json-chars.js";

export type RecordKind = "event" | "engage" | "groups";

export type UpdateOperation =
  | "$set"
  | "$set_once"
  | "$add"
  | "$append"
  | "$union"
  | "$remove"
  | "$unset"
  | "$delete";

export const UPDATE_OPERATIONS: readonly UpdateOperation[] = [
  "$set",
  "$set_once",
  "$add",
  "$append",
  "$union",
  "$remove",
  "$unset",
  "$delete",
];

/** A parsed JSON object whose keys are user data. */
export type PropertyMap = Readonly<Record<string, unknown>>;

export interface EventProperties extends PropertyMap {
  /** Seconds since the epoch, millisecond precision. */
  readonly time: number;
  readonly $insert_id: string;
  readonly distinct_id?: string;
}

export interface EventRecord {
  readonly event: string;
  readonly properties: EventProperties;
}

interface UpdateModifiers extends PropertyMap {
  /** Milliseconds since the epoch. */
  readonly $time?: number;
  readonly $ip?: string;
  readonly $ignore_time?: boolean;
  readonly $ignore_alias?: boolean;
}

export interface ProfileUpdateRecord extends UpdateModifiers {
  readonly $distinct_id: string;
}

export interface GroupUpdateRecord extends UpdateModifiers {
  readonly $group_key: string;
  readonly $group_id: string;
}

interface EnvelopeBase {
  readonly projectId: number;
  /** Milliseconds since the epoch. */
  readonly receivedAt: number;
}

export interface EventEnvelope extends EnvelopeBase {
  readonly kind: "event";
  readonly insertIdGenerated: boolean;
  readonly record: EventRecord;
}

export interface ProfileEnvelope extends EnvelopeBase {
  readonly kind: "engage";
  readonly operation: UpdateOperation;
  readonly record: ProfileUpdateRecord;
}

export interface GroupEnvelope extends EnvelopeBase {
  readonly kind: "groups";
  readonly operation: UpdateOperation;
  readonly record: GroupUpdateRecord;
}

export type Envelope = EventEnvelope | ProfileEnvelope | GroupEnvelope;

/** A payload that is not an envelope: the queue handed over bytes ingest never wrote. */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvelopeError";
  }
}

/** The events that change identity (spec/ingestion.md, Identity). */
export const IDENTITY_EVENTS: ReadonlySet<string> = new Set(["$create_alias", "$identify", "$merge"]);

/** Serialises by concatenation so no intermediate wire object is built per record (hot path). */
export function encodeEnvelope(envelope: Envelope): Buffer {
  const head =
    envelope.kind === "event"
      ? summarisedHead(envelope)
      : '{"k":"' +
        envelope.kind +
        '","p":' +
        envelope.projectId +
        ',"t":' +
        envelope.receivedAt +
        ',"o":"' +
        envelope.operation +
        '","d":';
  return Buffer.from(head + JSON.stringify(envelope.record) + "}");
}

/** The `d` that starts an envelope's record: the first one, as none can sit in a string before it. */
const RECORD_MARK = Buffer.from(',"d":');

/**
 * The bytes of the record an envelope holds, without its head: what a client sent, cleaned. A
 * string in the head holds a quote only escaped, so the first `,"d":` is the record's.
 */
export function envelopeRecordBytes(payload: Buffer): number {
  const at = payload.indexOf(RECORD_MARK);
  return at === -1 ? payload.length : payload.length - (at + RECORD_MARK.length) - 1;
}

/**
 * An event envelope up to its `d` (the record's JSON and a closing `}` follow). `time` and
 * `distinctId`, JSON text, are the summary (`e`, `i`): give them exactly as the record holds them,
 * and only for an ordinary event; a distinct id only with a time.
 */
export function eventEnvelopeHead(
  projectId: number,
  receivedAt: number,
  insertIdGenerated: boolean,
  time?: string,
  distinctId?: string,
): string {
  let head = '{"k":"event","p":' + projectId + ',"t":' + receivedAt;
  if (insertIdGenerated) head += ',"g":1';
  if (time !== undefined)
    head += distinctId === undefined ? ',"e":' + time : ',"e":' + time + ',"i":' + distinctId;
  return head + ',"d":';
}

/** The head of `envelope`, summarised when its record is an ordinary event that eventRecord takes. */
function summarisedHead(envelope: EventEnvelope): string {
  const { projectId, receivedAt, insertIdGenerated, record } = envelope;
  if (IDENTITY_EVENTS.has(record.event) || eventRecordProblem(record) !== undefined) {
    return eventEnvelopeHead(projectId, receivedAt, insertIdGenerated);
  }
  const { time, distinct_id: id } = record.properties;
  const distinctId = Object.hasOwn(record.properties, "distinct_id") ? JSON.stringify(id) : undefined;
  return eventEnvelopeHead(projectId, receivedAt, insertIdGenerated, JSON.stringify(time), distinctId);
}

export function decodeEnvelope(payload: Buffer | string): Envelope {
  let wire: unknown;
  try {
    wire = JSON.parse(typeof payload === "string" ? payload : payload.toString("utf8"));
  } catch {
    throw new EnvelopeError("envelope is not JSON");
  }
  if (!isObject(wire)) throw new EnvelopeError("envelope is not a JSON object");
  const { k: kind, p: projectId, t: receivedAt, d: record } = wire;
  if (!Number.isSafeInteger(projectId)) throw new EnvelopeError("envelope p (project id) is not an integer");
  if (!Number.isFinite(receivedAt)) throw new EnvelopeError("envelope t (arrival time) is not a number");
  if (!isObject(record)) throw new EnvelopeError("envelope d (record) is not an object");
  const base = { projectId: projectId as number, receivedAt: receivedAt as number };
  if (kind === "event")
    return { ...base, kind, insertIdGenerated: wire.g === 1, record: eventRecord(record) };
  if (kind !== "engage" && kind !== "groups") throw new EnvelopeError("envelope k (kind) is unknown");
  const operation = updateOperation(wire.o, record);
  if (kind === "engage") return { ...base, kind, operation, record: profileRecord(record) };
  return { ...base, kind, operation, record: groupRecord(record) };
}

/** An event envelope and the exact UTF-8 text its record (`d`) was parsed from. */
export interface EventWithText {
  readonly envelope: EventEnvelope;
  readonly recordText: Buffer;
}

const EVENT_HEAD = '{"k":"event","p":';

/** Where the digits of a JSON integer without sign or leading zero end, from `at`; -1 if there are none. */
function digitsEnd(payload: Uint8Array, at: number): number {
  let p = at;
  while (p < payload.length && isDigit(payload[p])) p++;
  if (p === at || (payload[at] === CHAR.zero && p > at + 1)) return -1;
  return p;
}

/** The integer in bytes `from` … `to` (digits only); NaN past 15 digits, where doubles stop being exact. */
function integerAt(payload: Uint8Array, from: number, to: number): number {
  if (to - from > 15) return Number.NaN;
  let value = 0;
  for (let p = from; p < to; p++) value = value * 10 + (payload[p] - CHAR.zero);
  return value;
}

function hasAt(payload: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > payload.length) return false;
  for (let i = 0; i < text.length; i++) if (payload[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Past the closing quote of the JSON string whose opening quote is at `at`; -1 if it has none. */
function quotedEnd(payload: Uint8Array, at: number): number {
  for (let i = at + 1; i < payload.length; i++) {
    if (payload[i] === CHAR.backslash) i++;
    else if (payload[i] === CHAR.quote) return i + 1;
  }
  return -1;
}

/**
 * Where the parts of an event envelope lie, for an envelope laid out exactly as encodeEnvelope and
 * eventEnvelopeHead write it; one reader per thread, filled by `read` for one payload at a time.
 * The summary's values are only located here: who uses them checks them (event-scan.ts).
 */
export class EventHead {
  projectId = 0;
  receivedAt = 0;
  insertIdGenerated = false;
  /** The summary's time (`e`), bytes timeStart … timeEnd, a JSON number; -1 without a summary. */
  timeStart = -1;
  timeEnd = -1;
  /** The summary's distinct id (`i`), bytes idStart … idEnd, a JSON string with its quotes; -1 without. */
  idStart = -1;
  idEnd = -1;
  /** The record (`d`) is bytes recordStart … payload.length - 1. */
  recordStart = 0;

  read(payload: Uint8Array): boolean {
    if (!hasAt(payload, 0, EVENT_HEAD) || payload[payload.length - 1] !== CHAR.closeBrace) return false;
    const pEnd = digitsEnd(payload, EVENT_HEAD.length);
    if (pEnd < 0 || !hasAt(payload, pEnd, ',"t":')) return false;
    const tEnd = digitsEnd(payload, pEnd + 5);
    if (tEnd < 0) return false;
    this.projectId = integerAt(payload, EVENT_HEAD.length, pEnd);
    this.receivedAt = integerAt(payload, pEnd + 5, tEnd);
    if (Number.isNaN(this.projectId) || Number.isNaN(this.receivedAt)) return false;
    this.insertIdGenerated = hasAt(payload, tEnd, ',"g":1,');
    const at = this.readSummary(payload, this.insertIdGenerated ? tEnd + 6 : tEnd);
    if (at < 0 || !hasAt(payload, at, ',"d":')) return false;
    this.recordStart = at + 5;
    return true;
  }

  /** The summary from `at`, if there is one; returns where it ends (`at` without one), -1 if broken. */
  private readSummary(payload: Uint8Array, at: number): number {
    this.timeStart = this.timeEnd = this.idStart = this.idEnd = -1;
    if (!hasAt(payload, at, ',"e":')) return at;
    this.timeStart = at + 5;
    this.timeEnd = numberEnd(payload, this.timeStart);
    if (this.timeEnd < 0 || !hasAt(payload, this.timeEnd, ',"i":"')) return this.timeEnd;
    this.idStart = this.timeEnd + 5;
    this.idEnd = quotedEnd(payload, this.idStart);
    return this.idEnd;
  }
}

const HEAD = new EventHead();

/**
 * Decodes an event envelope laid out exactly as encodeEnvelope writes it, by parsing its record
 * alone, so that the record's text can travel on unchanged (the store writes it to its write-ahead
 * file instead of serialising the event again). Undefined for any other layout: decodeEnvelope
 * then decides. Hot path: a few byte compares besides the one JSON.parse.
 */
export function decodeEventWithText(payload: Buffer): EventWithText | undefined {
  if (!HEAD.read(payload)) return undefined;
  const recordText = payload.subarray(HEAD.recordStart, payload.length - 1);
  let record: unknown;
  try {
    record = JSON.parse(recordText.toString("utf8"));
  } catch {
    // Not one JSON value: more members follow `d`, or the payload is broken. decodeEnvelope decides.
    return undefined;
  }
  if (!isObject(record)) return undefined;
  const envelope: EventEnvelope = {
    projectId: HEAD.projectId,
    receivedAt: HEAD.receivedAt,
    kind: "event",
    insertIdGenerated: HEAD.insertIdGenerated,
    record: eventRecord(record),
  };
  return { envelope, recordText };
}

function eventRecord(record: Record<string, unknown>): EventRecord {
  const problem = eventRecordProblem(record);
  if (problem !== undefined) throw new EnvelopeError(problem);
  return record as unknown as EventRecord;
}

/** What keeps `record` from being an event record; undefined when nothing does. */
function eventRecordProblem(record: object): string | undefined {
  const { event, properties } = record as Record<string, unknown>;
  if (typeof event !== "string") return "event record has no event name";
  if (!isObject(properties)) return "event record has no properties";
  if (typeof properties.time !== "number") return "event record has no properties.time";
  if (typeof properties.$insert_id !== "string") return "event record has no $insert_id";
  const id = Object.hasOwn(properties, "distinct_id") ? properties.distinct_id : undefined;
  if (id !== undefined && typeof id !== "string") return "event distinct_id is not a string";
  return undefined;
}

function profileRecord(record: Record<string, unknown>): ProfileUpdateRecord {
  if (typeof record.$distinct_id !== "string") throw new EnvelopeError("profile update has no $distinct_id");
  return record as unknown as ProfileUpdateRecord;
}

function groupRecord(record: Record<string, unknown>): GroupUpdateRecord {
  if (typeof record.$group_key !== "string" || typeof record.$group_id !== "string") {
    throw new EnvelopeError("group update has no $group_key and $group_id");
  }
  return record as unknown as GroupUpdateRecord;
}

function updateOperation(operation: unknown, record: Record<string, unknown>): UpdateOperation {
  const known = UPDATE_OPERATIONS.find((name) => name === operation);
  if (known === undefined) throw new EnvelopeError("envelope o (operation) is unknown");
  if (!Object.hasOwn(record, known)) throw new EnvelopeError(`update has no ${known}`);
  return known;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
