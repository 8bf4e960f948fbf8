// Large /import bodies are decoded and cleaned on their own threads. A 2,000-event batch costs the
// ingestion thread about 15 ms (scanning, splicing, encoding), during which no /track request on that
// thread is read or answered; on a thread of its own it costs the ingestion thread a copy of the body
// and of the payloads. /import only: its project is known from the credentials, so cleaning needs no
// project lookup by token, which lives on the ingestion thread. The cleaning is clean-request.ts's,
// the same as on the ingestion thread; the payloads come back packed in one transferred buffer.

import type { Project, ProjectDirectory } from "../projects/project.js";
import type { RecordFailure } from "./batch.js";
import { type CleanedRequest, cleanBody } from "./clean-request.js";
import { IngestError, type RequestRejection } from "./ingest-error.js";
import type { IngestLimits } from "./limits.js";
import { parseQuery, type RequestParams, readParams } from "./params.js";

/** One /import body to clean. */
export interface ImportTask {
  /** The body, inflated, in an ArrayBuffer of its own (it is transferred). */
  readonly body: ArrayBuffer;
  readonly contentType: string | undefined;
  /** The query string, undecoded. */
  readonly query: string;
  readonly nowMs: number;
  readonly clientAddress: string | undefined;
  readonly project: Project;
  readonly limits: IngestLimits;
}

/** A cleaned body as it travels back: the payloads one after another in `bytes`. */
export interface PackedImport {
  readonly ok: true;
  readonly bytes: ArrayBuffer;
  /** Each payload's length in bytes; a Uint32Array's buffer. */
  readonly lengths: ArrayBuffer;
  readonly failures: RecordFailure[];
  readonly total: number;
  readonly params: RequestParams;
  readonly fromDataParam: boolean;
}

/** A body refused as a whole (bad JSON, too many records…), or a failure of Tally's own. */
export interface RefusedImport {
  readonly ok: false;
  /** The IngestError's status and reason; none for a failure that is not one. */
  readonly status?: number;
  readonly reason?: RequestRejection;
  readonly message: string;
}

export type ImportOutcome = PackedImport | RefusedImport;

/** /import never looks a project up: the credentials named it. */
const NO_LOOKUPS: ProjectDirectory = {
  byToken: () => undefined,
  byId: () => undefined,
  authenticate: () => undefined,
};

/** Runs on a cleaning thread: the task's body decoded, cleaned and packed. */
export function cleanImport(task: ImportTask): ImportOutcome {
  try {
    const query = parseQuery(task.query);
    const body = Buffer.from(task.body);
    const cleaned = cleanBody("import", task.contentType, body, query, readParams(query), {
      nowMs: task.nowMs,
      clientAddress: () => task.clientAddress,
      projects: NO_LOOKUPS,
      project: task.project,
      limits: task.limits,
    });
    return pack(cleaned);
  } catch (error) {
    if (error instanceof IngestError) {
      return { ok: false, status: error.status, reason: error.reason, message: error.message };
    }
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function pack(cleaned: CleanedRequest): PackedImport {
  const { payloads } = cleaned.batch;
  const lengths = new Uint32Array(payloads.length);
  let size = 0;
  for (let i = 0; i < payloads.length; i++) {
    lengths[i] = payloads[i].length;
    size += payloads[i].length;
  }
  const bytes = new ArrayBuffer(size);
  const into = Buffer.from(bytes);
  let at = 0;
  for (const payload of payloads) at += payload.copy(into, at);
  const { failures, total } = cleaned.batch;
  return {
    ok: true,
    bytes,
    lengths: lengths.buffer,
    failures,
    total,
    params: cleaned.params,
    fromDataParam: cleaned.fromDataParam,
  };
}

/** On the ingestion thread: the outcome as the handler's CleanedRequest, or the error to answer. */
export function unpackImport(outcome: ImportOutcome): CleanedRequest {
  if (!outcome.ok) {
    if (outcome.status === undefined || outcome.reason === undefined) {
      throw new Error(`cleaning an /import body failed: ${outcome.message}`);
    }
    throw new IngestError(outcome.status, outcome.reason, outcome.message);
  }
  const all = Buffer.from(outcome.bytes);
  const lengths = new Uint32Array(outcome.lengths);
  const payloads: Buffer[] = new Array(lengths.length);
  let at = 0;
  for (let i = 0; i < payloads.length; i++) {
    const end = at + lengths[i];
    payloads[i] = all.subarray(at, end);
    at = end;
  }
  return {
    batch: { kind: "event", payloads, failures: outcome.failures, total: outcome.total },
    params: outcome.params,
    fromDataParam: outcome.fromDataParam,
  };
}

/** The body in a new ArrayBuffer of its own, so it can be transferred. */
export function ownedCopy(body: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(body.length);
  new Uint8Array(copy).set(body);
  return copy;
}
