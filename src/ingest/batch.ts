// One request's records, cleaned and encoded as queue envelopes. A bad record is set aside with its
// problem; the others go on, so one mistake never costs a request its good records.

import type { Project, ProjectDirectory } from "../projects/project.js";
import { encodeEnvelope, envelopeRecordBytes, type RecordKind } from "../queue/envelope.js";
import { describeBytes, type IngestLimits } from "./limits.js";
import { problem, type RecordProblem } from "./record-problem.js";
import { ScannedEvent } from "./scan-events.js";
import { spliceEvent } from "./splice-event.js";
import { type CleanedEvent, cleanEvent, type EventRules, isObject } from "./validate-event.js";
import { type CleanedUpdate, cleanUpdate, type UpdateRules } from "./validate-profile.js";

export interface BatchRules {
  readonly kind: RecordKind;
  /** /import's rules rather than /track's. */
  readonly importing: boolean;
  readonly nowMs: number;
  readonly clientIp: string | undefined;
  readonly projects: ProjectDirectory;
  /** /import: the authenticated project. */
  readonly project: Project | undefined;
  readonly limits: IngestLimits;
}

export interface RecordFailure {
  /** Position of the record in the request. */
  readonly index: number;
  /** The record's $insert_id as sent, when it had a string one. */
  readonly insertId: string | null;
  readonly problem: RecordProblem;
}

export interface CleanBatch {
  readonly kind: RecordKind;
  /** One envelope per accepted record, in request order. */
  readonly payloads: Buffer[];
  readonly failures: RecordFailure[];
  readonly total: number;
}

export function cleanBatch(records: readonly unknown[], rules: BatchRules): CleanBatch {
  const payloads: Buffer[] = [];
  const failures: RecordFailure[] = [];
  // Made on the first record the fast path leaves: a one-event /track seldom needs it.
  let encode: Encoder | undefined;
  for (let index = 0; index < records.length; index++) {
    let raw = records[index];
    if (raw instanceof ScannedEvent) {
      // Cleaned from the request's text when it can be; otherwise parsed and cleaned as any record.
      const spliced = spliceEvent(raw, rules);
      if (spliced !== undefined && withinLimit(spliced, rules.limits)) {
        payloads.push(spliced);
        continue;
      }
      raw = raw.parse();
    }
    encode ??= rules.kind === "event" ? eventEncoder(rules) : updateEncoder(rules);
    const outcome = encode(raw);
    if (isPayload(outcome)) {
      if (withinLimit(outcome, rules.limits)) {
        payloads.push(outcome);
        continue;
      }
      const bytes = envelopeRecordBytes(outcome);
      failures.push({ index, insertId: insertIdOf(raw), problem: tooLarge(bytes, rules.limits) });
    } else {
      failures.push({ index, insertId: insertIdOf(raw), problem: outcome });
    }
  }
  return { kind: rules.kind, payloads, failures, total: records.length };
}

type Encoder = (raw: unknown) => Buffer | RecordProblem;

function eventEncoder(rules: BatchRules): Encoder {
  const eventRules: EventRules = { ...rules };
  const out: CleanedEvent = { record: undefined, projectId: 0, insertIdGenerated: false };
  return (raw) =>
    cleanEvent(raw, eventRules, out) ??
    encodeEnvelope({
      kind: "event",
      projectId: out.projectId,
      receivedAt: rules.nowMs,
      insertIdGenerated: out.insertIdGenerated,
      record: out.record!,
    });
}

function updateEncoder(rules: BatchRules): Encoder {
  const kind = rules.kind === "groups" ? "groups" : "engage";
  const updateRules: UpdateRules = { kind, clientIp: rules.clientIp, projects: rules.projects };
  const out: CleanedUpdate = { projectId: 0, operation: "$set" };
  return (raw) => {
    const found = cleanUpdate(raw, updateRules, out);
    if (found !== undefined) return found;
    // cleanUpdate checked the record's shape; the envelope types say what it now holds.
    const record = raw as never;
    return encodeEnvelope({
      kind,
      projectId: out.projectId,
      receivedAt: rules.nowMs,
      operation: out.operation,
      record,
    });
  };
}

/**
 * Whether the record an envelope holds is within the limit: the limit is the record's, as cleaned,
 * not the envelope head's, which is Tally's own. A whole envelope within it needs no look inside.
 */
function withinLimit(payload: Buffer, limits: IngestLimits): boolean {
  return payload.length <= limits.maxRecordBytes || envelopeRecordBytes(payload) <= limits.maxRecordBytes;
}

function isPayload(outcome: Buffer | RecordProblem): outcome is Buffer {
  return outcome instanceof Buffer;
}

function tooLarge(bytes: number, limits: IngestLimits): RecordProblem {
  return problem(
    "",
    "record_too_large",
    `record is ${bytes} bytes: at most ${describeBytes(limits.maxRecordBytes)}`,
  );
}

function insertIdOf(raw: unknown): string | null {
  if (!isObject(raw) || !isObject(raw.properties)) return null;
  const id = raw.properties.$insert_id;
  return typeof id === "string" ? id : null;
}
