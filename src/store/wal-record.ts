// The records in a write-ahead frame (docs/segment-format.md, "Write-ahead files"): written once by
// `append`, read back by sealing, by buffer snapshots and by recovery.
//   version 2, record by record:
//     u32 h | head, h bytes: f64 offset | f64 time | u8 ownInsertId (0 or 1)
//                            | u32 n | distinctId as n UTF-16LE code units
//                            | i32 m | originalDistinctId as m UTF-16LE code units (m = -1: none)
//     u32 e | event, e bytes: UTF-8 JSON {"event": …, "properties": {…}} as the processor got it;
//                             time, $insert_id and distinct_id among its properties are system columns
//   version 1: the payload is one JSON list of [offset, event, distinctId, originalDistinctId | null,
//              time, insertId | null, properties] (read for recovery only)
// Version 2 is written by concatenation (the event's text is copied as it came, never serialised
// again) and read record by record, so a reader's parsed objects die young; a seal reads the heads
// alone first, to sort, and then each event in segment order (wal-heads.ts). Ids are UTF-16 code
// units because any JS string, a lone surrogate included, round-trips through them exactly.

import type { JsonObject, Value } from "../expr/value.js";
import { corrupt } from "./errors.js";
import { stringifyExact } from "./exact-json.js";
import { frameMemory } from "./frame-memory.js";
import { type EventText, type StoredEvent, SYSTEM_KEYS } from "./stored-event.js";

export const WAL_RECORDS_V1 = 1;
export const WAL_RECORDS_V2 = 2;
export const LENGTH_BYTES = 4;

export type Properties = Readonly<Record<string, unknown>>;

/** What reads the records of a payload, one at a time. */
export interface WalRecordSink {
  /** `properties` may still hold the SYSTEM_KEYS, which are not properties: skip them. */
  add(
    offset: number,
    event: string,
    distinctId: string,
    originalDistinctId: string | null,
    time: number,
    insertId: string | null,
    properties: Properties,
  ): void;
}

/** An event as a record is written from: the processor's bytes, or the text of a stored event. */
export type WalEvent = Omit<EventText, "text"> & { readonly text: Uint8Array | string };

/** A stored event as version 2 takes it: its properties with its $insert_id put back in front. */
export function eventTextOf(e: StoredEvent): WalEvent {
  const properties = stringifyExact(e.properties) ?? "{}";
  let text = `{"event":${JSON.stringify(e.event)},"properties":{`;
  if (e.insertId !== null)
    text += `"$insert_id":${JSON.stringify(e.insertId)}${properties.length > 2 ? "," : ""}`;
  text += `${properties.slice(1)}}`;
  return {
    offset: e.offset,
    distinctId: e.distinctId,
    originalDistinctId: e.originalDistinctId ?? null,
    time: e.time,
    insertIdGenerated: e.insertId === null,
    text,
  };
}

const HEAD_FIXED_BYTES = 8 + 8 + 1 + 4 + 4;

function headBytes(e: WalEvent): number {
  return HEAD_FIXED_BYTES + 2 * e.distinctId.length + 2 * (e.originalDistinctId?.length ?? 0);
}

/** Writes `e`'s head at `at`; returns where it ends. */
function writeHead(out: Buffer, at: number, e: WalEvent): number {
  let p = out.writeDoubleLE(e.offset, at);
  p = out.writeDoubleLE(e.time, p);
  out[p++] = e.insertIdGenerated ? 0 : 1;
  p = out.writeUInt32LE(e.distinctId.length, p);
  p += out.write(e.distinctId, p, "utf16le");
  const original = e.originalDistinctId;
  p = out.writeInt32LE(original === null ? -1 : original.length, p);
  if (original !== null) p += out.write(original, p, "utf16le");
  return p;
}

/**
 * The version 2 records of `events`, after `headroom` bytes left for the caller. The bytes live in a
 * SharedArrayBuffer (frame-memory.ts): the write buffer keeps them, and a seal hands them to the
 * sealing worker without a copy (neither side writes them again).
 */
export function encodeWalRecords(events: readonly WalEvent[], headroom: number): Buffer {
  let size = headroom;
  for (const e of events) size += 2 * LENGTH_BYTES + headBytes(e) + textBytes(e.text);
  const out = frameMemory.take(size);
  let at = headroom;
  for (const e of events) {
    const headEnd = writeHead(out, at + LENGTH_BYTES, e);
    out.writeUInt32LE(headEnd - at - LENGTH_BYTES, at);
    const textAt = headEnd + LENGTH_BYTES;
    const length =
      typeof e.text === "string" ? out.write(e.text, textAt, "utf8") : copyInto(out, textAt, e.text);
    out.writeUInt32LE(length, headEnd);
    at = textAt + length;
  }
  return out;
}

function textBytes(text: Uint8Array | string): number {
  return typeof text === "string" ? Buffer.byteLength(text, "utf8") : text.length;
}

/**
 * Copies `bytes` into the frame at `at`. The frame is shared memory, into which a typed array's
 * `set` copies through relaxed atomic stores, unit by unit (about three times a memcpy, on the
 * appending thread, for every byte of every event); Buffer's `fill` with a value as long as the range
 * is one memcpy. Nothing reads the frame until it is written whole.
 */
function copyInto(out: Buffer, at: number, bytes: Uint8Array): number {
  if (bytes.length > 0) out.fill(bytes, at, at + bytes.length);
  return bytes.length;
}

/** A version 2 head, checked. */
export interface WalHead {
  offset: number;
  time: number;
  own: boolean;
  distinctId: string;
  originalDistinctId: string | null;
}

/** Reads the head in bytes `at` … `end` of `payload` into `out` (reused: no allocation per row). */
export function readHead(payload: Buffer, at: number, end: number, where: string, out: WalHead): void {
  if (end - at < HEAD_FIXED_BYTES) throw corrupt(where, "a record head is cut short");
  out.offset = payload.readDoubleLE(at);
  out.time = payload.readDoubleLE(at + 8);
  const own = payload[at + 16];
  const idEnd = at + 21 + 2 * payload.readUInt32LE(at + 17);
  if (idEnd + 4 > end) throw corrupt(where, "a record head's id runs past the head");
  out.distinctId = payload.toString("utf16le", at + 21, idEnd);
  const originalLength = payload.readInt32LE(idEnd);
  const headEnd = idEnd + 4 + 2 * Math.max(originalLength, 0);
  if (headEnd !== end) throw corrupt(where, "a record head's length does not add up");
  out.originalDistinctId = originalLength < 0 ? null : payload.toString("utf16le", idEnd + 4, headEnd);
  if (!Number.isSafeInteger(out.offset) || !Number.isFinite(out.time) || own > 1) {
    throw corrupt(where, "a record head has a field of the wrong kind");
  }
  out.own = own === 1;
}

/** A head to read into. */
export function emptyHead(): WalHead {
  return { offset: 0, time: 0, own: false, distinctId: "", originalDistinctId: null };
}

export function isObject(v: unknown): v is Properties {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isText(v: unknown): v is string {
  return typeof v === "string";
}

export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(where, "record is not JSON");
  }
}

/** A version 2 event, checked: its name, its properties, and its own insert id when it has one. */
export function checkEvent(
  event: unknown,
  own: boolean,
  where: string,
): { readonly name: string; readonly properties: Properties; readonly insertId: string | null } {
  if (!isObject(event) || !isText(event.event) || !isObject(event.properties)) {
    throw corrupt(where, "record event has no name or no properties");
  }
  const insertId = own ? event.properties.$insert_id : null;
  if (!(insertId === null || isText(insertId))) throw corrupt(where, "record event has no text $insert_id");
  return { name: event.event, properties: event.properties, insertId };
}

/** The end of the length-prefixed part at `at`. */
export function partEnd(payload: Buffer, at: number, where: string): number {
  if (payload.length - at < LENGTH_BYTES) throw corrupt(where, "a record length is cut short");
  const end = at + LENGTH_BYTES + payload.readUInt32LE(at);
  if (end > payload.length) throw corrupt(where, "a record runs past its frame");
  return end;
}

function readV2(payload: Buffer, where: string, sink: WalRecordSink): void {
  const head = emptyHead();
  for (let at = 0; at < payload.length; ) {
    const headEnd = partEnd(payload, at, where);
    readHead(payload, at + LENGTH_BYTES, headEnd, where, head);
    const end = partEnd(payload, headEnd, where);
    const text = payload.toString("utf8", headEnd + LENGTH_BYTES, end);
    const event = checkEvent(parseJson(text, where), head.own, where);
    const { offset, distinctId, originalDistinctId, time } = head;
    sink.add(offset, event.name, distinctId, originalDistinctId, time, event.insertId, event.properties);
    at = end;
  }
}

function readV1(payload: Buffer, where: string, sink: WalRecordSink): void {
  const records = parseJson(payload.toString("utf8"), where);
  if (!Array.isArray(records)) throw corrupt(where, "frame is not a list");
  for (const r of records) {
    if (!Array.isArray(r) || r.length !== 7) throw corrupt(where, "record is not a 7-element list");
    const [offset, event, distinctId, original, time, insertId, properties] = r as unknown[];
    const valid =
      Number.isSafeInteger(offset) &&
      isText(event) &&
      isText(distinctId) &&
      (original === null || isText(original)) &&
      typeof time === "number" &&
      (insertId === null || isText(insertId)) &&
      isObject(properties);
    if (!valid) throw corrupt(where, "record has a field of the wrong kind");
    sink.add(offset as number, event, distinctId, original, time, insertId, properties);
  }
}

/** Hands every record of one frame's payload to `sink`, checked field by field. */
export function readWalRecords(payload: Buffer, version: number, where: string, sink: WalRecordSink): void {
  if (version === WAL_RECORDS_V1) readV1(payload, where, sink);
  else readV2(payload, where, sink);
}

/** Collects records as stored events: for buffer snapshots and recovery. */
export class StoredEventList implements WalRecordSink {
  constructor(readonly events: StoredEvent[] = []) {}

  add(
    offset: number,
    event: string,
    distinctId: string,
    originalDistinctId: string | null,
    time: number,
    insertId: string | null,
    properties: Properties,
  ): void {
    this.events.push({
      event,
      distinctId,
      ...(originalDistinctId === null ? {} : { originalDistinctId }),
      time,
      insertId,
      properties: withoutSystemKeys(properties),
      offset,
    });
  }
}

/** The properties without the system keys; `__proto__` stays an own data key, as JSON.parse makes it. */
function withoutSystemKeys(properties: Properties): JsonObject {
  const out: Record<string, Value> = {};
  for (const key of Object.keys(properties)) {
    if (SYSTEM_KEYS.has(key)) continue;
    const value = properties[key] as Value;
    if (key === "__proto__") {
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = value;
    }
  }
  return out;
}
