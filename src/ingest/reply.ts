// Every reply of the ingestion API, in one place (spec: "Query parameters", "/import replies").
//
// /track, /engage, /groups: `1` when every record was accepted, else `0`; HTTP 200 either way, as
// Mixpanel answers, with verbose=1 JSON, img=1 a GIF, callback=fn JSONP. When some records of a
// batch fail, the good ones are durable before the reply, which still says `0` (`status: 0`) with an
// error naming the first bad record, its field and rule, and how many were accepted: `1` promises
// every record, so a partial batch cannot get it. redirect=url answers 302 once the records settled,
// whatever became of them, so a tracked link never strands the visitor.
// A whole request that cannot be used (bad base64 or JSON, wrong type, over a limit, queue full)
// gets its HTTP status (400, 401, 405, 413, 415, 500, 503) and always a JSON body: `{"status":0,
// "error":"…"}`, or on /import `{"code":…,"error":"…","status":"…"}`.
// /import answers in its own JSON (`code`, `num_records_imported`, `failed_records`) — except for
// records sent in a `data=` parameter without strict=1, the form mixpanel-node and mixpanel-python
// use, which get the /track reply those SDKs parse. Every reply carries CORS headers.

import type { OutgoingHttpHeaders } from "node:http";
import { STATUS_CODES } from "node:http";
import type { CleanBatch, RecordFailure } from "./batch.js";
import type { IngestRequest, IngestResponse } from "./exchange.js";
import type { IngestError } from "./ingest-error.js";
import type { IngestRoute } from "./metrics.js";
import type { RequestParams } from "./params.js";

/** A 1×1 transparent GIF, for <img> beacons. */
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

const DECIDE_REPLY = JSON.stringify({
  config: { enable_collect_everything: false },
  notifications: [],
  feature_flags: [],
});

const ALLOWED_METHODS = "GET, POST, OPTIONS";
const ALLOWED_HEADERS = "Content-Type, Content-Encoding, Authorization, X-Requested-With";

export function replyRecords(
  req: IngestRequest,
  res: IngestResponse,
  params: RequestParams,
  batch: CleanBatch,
): number {
  if (params.redirect !== undefined) return send(req, res, 302, undefined, "", { Location: params.redirect });
  if (params.img) return send(req, res, 200, "image/gif", PIXEL);
  // A batch is answered as accepted when any of its records was: those are durable. A client that
  // reads 0 as "send the batch again" (mixpanel-python's buffered consumer keeps it and resends it
  // on every flush) would apply the good records twice, and again each time; Mixpanel, too, answers
  // 1 once one record is good. verbose=1 still names every record that was refused.
  const accepted = batch.payloads.length > 0 || batch.failures.length === 0;
  const error = batch.failures.length === 0 ? null : describeFailures(batch);
  const body = params.verbose ? verboseBody(accepted, error) : accepted ? "1" : "0";
  if (params.callback !== undefined) return sendScript(req, res, 200, params.callback, body);
  return send(req, res, 200, params.verbose ? "application/json" : "text/plain; charset=utf-8", body);
}

export function replyImport(
  req: IngestRequest,
  res: IngestResponse,
  strict: boolean,
  batch: CleanBatch,
): number {
  const imported = batch.payloads.length;
  if (batch.failures.length === 0 || !strict) {
    return sendJson(req, res, 200, { code: 200, num_records_imported: imported, status: "OK" });
  }
  return sendJson(req, res, 400, {
    code: 400,
    num_records_imported: imported,
    status: "Bad Request",
    error: "some data points in the request failed validation",
    failed_records: batch.failures.map(failedRecord),
  });
}

export function replyDecide(req: IngestRequest, res: IngestResponse, callback: string | undefined): number {
  if (callback !== undefined) return sendScript(req, res, 200, callback, DECIDE_REPLY);
  return send(req, res, 200, "application/json", DECIDE_REPLY);
}

/** The CORS preflight a browser sends before a POST with a JSON or gzip body. */
export function replyPreflight(req: IngestRequest, res: IngestResponse): number {
  const asked = req.headers["access-control-request-headers"];
  return send(req, res, 204, undefined, "", {
    "Access-Control-Allow-Methods": ALLOWED_METHODS,
    "Access-Control-Allow-Headers": asked === undefined || asked === "" ? ALLOWED_HEADERS : asked,
    "Access-Control-Max-Age": "86400",
  });
}

export function replyError(
  req: IngestRequest,
  res: IngestResponse,
  route: IngestRoute,
  error: IngestError,
): number {
  const extra: OutgoingHttpHeaders = {};
  if (error.status === 401) extra["WWW-Authenticate"] = 'Basic realm="Tally /import"';
  if (error.status === 405) extra.Allow = ALLOWED_METHODS;
  if (error.status === 503) extra["Retry-After"] = "1";
  // A body we stopped reading cannot be skipped on a kept-alive socket: close it after the reply.
  if (!req.complete) {
    extra.Connection = "close";
    req.discardBody();
  }
  const body =
    route === "import"
      ? { code: error.status, error: error.message, status: STATUS_CODES[error.status] ?? "Error" }
      : { status: 0, error: error.message };
  return sendJson(req, res, error.status, body, extra);
}

function describeFailures(batch: CleanBatch): string {
  const first = batch.failures[0];
  const what =
    first.problem.field === "" ? first.problem.message : `${first.problem.field}: ${first.problem.message}`;
  if (batch.total === 1) return what;
  const accepted = batch.payloads.length;
  return `record ${first.index}: ${what} (${batch.failures.length} of ${batch.total} records rejected, ${accepted} accepted)`;
}

function failedRecord(failure: RecordFailure): Record<string, unknown> {
  // `$insert_id` as the spec writes it; `insert_id` as Mixpanel's own /import answers.
  return {
    index: failure.index,
    $insert_id: failure.insertId,
    insert_id: failure.insertId,
    field: failure.problem.field,
    message: failure.problem.message,
  };
}

function verboseBody(accepted: boolean, error: string | null): string {
  return JSON.stringify({ status: accepted ? 1 : 0, error });
}

function sendScript(
  req: IngestRequest,
  res: IngestResponse,
  status: number,
  callback: string,
  body: string,
): number {
  return send(req, res, status, "text/javascript; charset=utf-8", `${callback}(${body});`, {
    "X-Content-Type-Options": "nosniff",
  });
}

function sendJson(
  req: IngestRequest,
  res: IngestResponse,
  status: number,
  body: object,
  extra?: OutgoingHttpHeaders,
): number {
  return send(req, res, status, "application/json", JSON.stringify(body), extra);
}

/** Writes the reply unless the client is gone; returns the status for the metrics. */
function send(
  req: IngestRequest,
  res: IngestResponse,
  status: number,
  contentType: string | undefined,
  body: string | Buffer,
  extra?: OutgoingHttpHeaders,
): number {
  if (!res.finished) res.send(status, replyHeaders(req, contentType, extra), body);
  return status;
}

function replyHeaders(
  req: IngestRequest,
  contentType: string | undefined,
  extra: OutgoingHttpHeaders | undefined,
): OutgoingHttpHeaders {
  if (extra === undefined && contentType !== undefined && req.headers.origin === undefined)
    return plainHeaders(contentType);
  const headers: OutgoingHttpHeaders = { ...COMMON_HEADERS, ...corsHeaders(req), ...extra };
  if (contentType !== undefined) headers["Content-Type"] = contentType;
  return headers;
}

const COMMON_HEADERS: OutgoingHttpHeaders = Object.freeze({ "Cache-Control": "no-cache, no-store" });

/**
 * The headers of almost every reply (no Origin, nothing extra), one frozen object per content type:
 * the transport renders a constant once (exchange.ts).
 */
const PLAIN_HEADERS = new Map<string, OutgoingHttpHeaders>();

function plainHeaders(contentType: string): OutgoingHttpHeaders {
  let headers = PLAIN_HEADERS.get(contentType);
  if (headers === undefined) {
    headers = Object.freeze({ ...COMMON_HEADERS, ...ANY_ORIGIN, "Content-Type": contentType });
    PLAIN_HEADERS.set(contentType, headers);
  }
  return headers;
}

/** A request without an Origin (not from a browser page) gets the plain wildcard. */
const ANY_ORIGIN: OutgoingHttpHeaders = Object.freeze({ "Access-Control-Allow-Origin": "*" });

/** Any origin may send, with credentials; so the origin is echoed rather than `*`. */
function corsHeaders(req: IngestRequest): OutgoingHttpHeaders {
  const origin = req.headers.origin;
  if (origin === undefined) return ANY_ORIGIN;
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    Vary: "Origin",
  };
}
