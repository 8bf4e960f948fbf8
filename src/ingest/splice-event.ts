// The fast path of event cleaning: an event scan-events.ts found in the fast shape is cleaned by the
// rules of validate-event.ts and its envelope written from the request's own text — the time and a
// numeric distinct id replaced, the fields ingest adds ($insert_id, time, ip, distinct_id) appended
// in the order the slow path adds them — instead of JSON.parse, clean, JSON.stringify. The envelope
// parses to exactly what the slow path's would (test/ingest/splice-event.test.ts checks both ways).
// Anything the slow path would refuse or change in another way returns undefined: the slow path then
// gives the answer, with its own error message.

import { randomUUID } from "node:crypto";
import { eventEnvelopeHead } from "../queue/envelope.js";
import { epochMilliseconds, LATEST_MS } from "./event-time.js";
import { IMPORT_EARLIEST_MS, MAX_AHEAD_MS, TRACK_MAX_AGE_MS } from "./limits.js";
import type { ScannedEvent } from "./scan-events.js";
import { type EventRules, INSERT_ID } from "./validate-event.js";

/** The event's envelope, or undefined when the slow path must decide. */
export function spliceEvent(
  event: ScannedEvent,
  rules: EventRules,
  newInsertId: () => string = randomUUID,
): Buffer | undefined {
  const projectId = rules.project?.id ?? projectByToken(event, rules);
  if (projectId === undefined) return undefined;
  const time = cleanTime(event, rules);
  if (time === undefined) return undefined;
  let insertId: string | undefined;
  if (event.insertId === undefined) {
    if (rules.importing) return undefined;
    insertId = newInsertId();
  } else if (!INSERT_ID.test(event.insertId)) {
    return undefined;
  }
  const name = event.text.slice(event.nameStart, event.nameEnd);
  const distinctId = distinctIdJson(event, rules.clientIp);
  // With the summary (envelope.ts): scan-events takes no identity event, and no escaped name that
  // might spell one, into the fast shape, so every event spliced is an ordinary one.
  const head = eventEnvelopeHead(projectId, rules.nowMs, insertId !== undefined, time, distinctId);
  const properties = splicedProperties(event, time, insertId, distinctId, rules.clientIp);
  return Buffer.from(head + '{"event":' + name + ',"properties":' + properties + "}}");
}

function projectByToken(event: ScannedEvent, rules: EventRules): number | undefined {
  if (event.token === undefined || event.token === "") return undefined;
  return rules.projects.byToken(event.token)?.id;
}

/** The cleaned time as JSON, or undefined when the slow path must judge it. */
function cleanTime(event: ScannedEvent, rules: EventRules): string | undefined {
  const now = rules.nowMs;
  if (event.timeStart === -1) return rules.importing ? undefined : String(now / 1000);
  const ms = epochMilliseconds(Number(event.text.slice(event.timeStart, event.timeEnd)));
  if (Number.isNaN(ms) || ms > LATEST_MS) return undefined;
  if (rules.importing ? ms < IMPORT_EARLIEST_MS : ms < now - TRACK_MAX_AGE_MS) return undefined;
  // Events from more than an hour ahead are taken as happening now, as Mixpanel does.
  return String((ms > now + MAX_AHEAD_MS ? now : ms) / 1000);
}

/**
 * properties with the time (and a numeric distinct id) replaced and the added fields appended.
 * `distinctId` is the record's distinct id as JSON (distinctIdJson).
 */
function splicedProperties(
  event: ScannedEvent,
  time: string,
  insertId: string | undefined,
  distinctId: string | undefined,
  clientIp: string | undefined,
): string {
  const { text } = event;
  let json = "";
  let at = event.propsStart;
  const replace = (start: number, end: number, value: string) => {
    json += text.slice(at, start) + value;
    at = end;
  };
  // A numeric distinct id is rewritten as the string the slow path makes of it.
  const numericId = event.distinctIsNumber && event.distinctStart !== -1 ? distinctId : undefined;
  const distinctFirst = numericId !== undefined && event.distinctStart < event.timeStart;
  if (distinctFirst) replace(event.distinctStart, event.distinctEnd, numericId);
  if (event.timeStart !== -1) replace(event.timeStart, event.timeEnd, time);
  if (numericId !== undefined && !distinctFirst) replace(event.distinctStart, event.distinctEnd, numericId);
  json += text.slice(at, event.propsEnd - 1);
  // Added in the order cleanEvent adds them, so both paths write the same object.
  let separator = event.members > 0 ? "," : "";
  const add = (name: string, value: string) => {
    json += separator + '"' + name + '":' + value;
    separator = ",";
  };
  if (event.timeStart === -1) add("time", time);
  if (event.distinctStart === -1 && distinctId !== undefined) add("distinct_id", distinctId);
  if (insertId !== undefined) add("$insert_id", JSON.stringify(insertId));
  if (clientIp !== undefined && !event.hasIp) add("ip", JSON.stringify(clientIp));
  return json + "}";
}

/**
 * The cleaned record's distinct id as JSON, undefined when it has none: the one sent (a number made
 * the string the slow path makes of it, identity-fields.ts idString), else the client's address.
 */
function distinctIdJson(event: ScannedEvent, clientIp: string | undefined): string | undefined {
  if (event.distinctStart === -1) return clientIp === undefined ? undefined : JSON.stringify(clientIp);
  const literal = event.text.slice(event.distinctStart, event.distinctEnd);
  return event.distinctIsNumber ? JSON.stringify(String(Number(literal))) : literal;
}
