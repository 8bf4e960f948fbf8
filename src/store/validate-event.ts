// The store checks the shape of what it is given, so a processor bug fails the append with a message
// that names the record and the field, instead of writing a segment no reader can use.

import { StoreError } from "./errors.js";
import { type EventText, type StoredEvent, SYSTEM_KEYS } from "./stored-event.js";

function problem(e: StoredEvent): string | null {
  if (typeof e !== "object" || e === null) return "is not an object";
  if (typeof e.event !== "string") return "event is not a string";
  if (typeof e.distinctId !== "string") return "distinctId is not a string";
  if (e.originalDistinctId !== undefined && typeof e.originalDistinctId !== "string") {
    return "originalDistinctId is not a string";
  }
  if (typeof e.time !== "number" || !Number.isFinite(e.time)) return "time is not a finite number";
  if (e.insertId !== null && typeof e.insertId !== "string") return "insertId is not a string or null";
  if (typeof e.properties !== "object" || e.properties === null || Array.isArray(e.properties)) {
    return "properties is not an object";
  }
  for (const key of SYSTEM_KEYS) {
    if (Object.hasOwn(e.properties, key)) return `properties holds ${key}, which is a system field`;
  }
  return offsetProblem(e.offset);
}

function offsetProblem(offset: number): string | null {
  if (!Number.isSafeInteger(offset) || offset < 0) return "offset is not a non-negative integer";
  return null;
}

/** The text itself is the caller's promise (see EventText); the fields the store files by are checked. */
function textProblem(e: EventText): string | null {
  if (typeof e !== "object" || e === null) return "is not an object";
  if (typeof e.distinctId !== "string") return "distinctId is not a string";
  if (e.originalDistinctId !== null && typeof e.originalDistinctId !== "string") {
    return "originalDistinctId is not a string or null";
  }
  if (typeof e.time !== "number" || !Number.isFinite(e.time)) return "time is not a finite number";
  if (typeof e.insertIdGenerated !== "boolean") return "insertIdGenerated is not a boolean";
  if (!(e.text instanceof Uint8Array) || e.text.length < 2) return "text is not JSON bytes";
  return offsetProblem(e.offset);
}

export function validateEvents(events: readonly StoredEvent[]): void {
  for (let i = 0; i < events.length; i++) {
    const p = problem(events[i]);
    if (p !== null) throw new StoreError("store_invalid", `event ${i}: ${p}`);
  }
}

export function validateEventTexts(events: readonly EventText[]): void {
  for (let i = 0; i < events.length; i++) {
    const p = textProblem(events[i]);
    if (p !== null) throw new StoreError("store_invalid", `event ${i}: ${p}`);
  }
}

export function validateProjectId(projectId: number): void {
  if (!Number.isSafeInteger(projectId) || projectId < 0) {
    throw new StoreError("store_invalid", `project id ${projectId} is not a non-negative integer`);
  }
}
