// From request bytes to a list of parsed records, for every encoding of the spec ("Request
// encodings"). Records stay `unknown` here: validation is the next step, one record at a time.
// JSON.parse makes "__proto__" an own data property, so parsed records are safe to hand on.

import type { ParsedUrlQuery } from "node:querystring";
import { decodeBase64Text } from "./base64.js";
import { badRequest, IngestError } from "./ingest-error.js";
import { describeBytes, type IngestLimits } from "./limits.js";
import type { IngestRoute } from "./metrics.js";
import { parseQuery } from "./params.js";
import { scanEvents } from "./scan-events.js";

export interface DecodedBody {
  readonly records: unknown[];
  /** The form's fields, when the body was a form: they may carry parameters too. */
  readonly form: ParsedUrlQuery | undefined;
  /** The records came in a `data` parameter (the SDKs' form), not as a JSON or NDJSON body. */
  readonly fromDataParam: boolean;
}

const NDJSON_TYPES: ReadonlySet<string> = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
]);

/** The `data` parameter of a query string or form: base64 of JSON, or JSON itself. */
export function recordsFromData(
  route: IngestRoute,
  data: string | undefined,
  limits: IngestLimits,
): unknown[] {
  if (data === undefined || data === "") {
    throw badRequest("missing_data", "the data parameter is missing: send data=<base64 of JSON>");
  }
  if (looksLikeJson(data)) {
    if (data.length * 3 > limits.maxPayloadBytes) checkPayloadSize(Buffer.byteLength(data), limits);
    return parseRecords(route, data, "data", limits);
  }
  const decoded = decodeBase64Text(data);
  if (decoded === undefined) {
    throw badRequest(
      "bad_base64",
      "data is neither JSON nor valid base64 (standard or URL-safe alphabet, padding optional)",
    );
  }
  checkPayloadSize(decoded.bytes, limits);
  return parseRecords(route, decoded.text, "data (after base64 decoding)", limits);
}

/** A POST body, already inflated. An empty body falls back to the query's `data`. */
export function decodeBody(
  route: IngestRoute,
  contentType: string | undefined,
  body: Buffer,
  queryData: string | undefined,
  limits: IngestLimits,
): DecodedBody {
  if (body.length === 0) {
    return { records: recordsFromData(route, queryData, limits), form: undefined, fromDataParam: true };
  }
  const media = mediaType(contentType);
  if (media === "application/json" || media === "text/json" || media.endsWith("+json")) {
    return jsonBody(parseJsonBody(route, body.toString("utf8"), body.length, limits));
  }
  if (NDJSON_TYPES.has(media)) {
    if (route !== "import") {
      throw new IngestError(415, "unsupported_media_type", `${media} is accepted on /import only`);
    }
    checkPayloadSize(body.length, limits);
    return jsonBody(parseNdjson(body.toString("utf8"), limits));
  }
  // `curl -d '[…]'` labels JSON as a form unless told otherwise; beacons (navigator.sendBeacon)
  // send text/plain; some clients send no type at all. A form never starts with { or [.
  if (media === "application/x-www-form-urlencoded" || media === "text/plain" || media === "") {
    const text = body.toString("utf8");
    if (looksLikeJson(text)) return jsonBody(parseJsonBody(route, text, body.length, limits));
    return decodeForm(route, text, queryData, limits);
  }
  throw new IngestError(
    415,
    "unsupported_media_type",
    `Content-Type ${media} is not accepted: send application/x-www-form-urlencoded (data=…) or application/json`,
  );
}

function decodeForm(
  route: IngestRoute,
  text: string,
  queryData: string | undefined,
  limits: IngestLimits,
): DecodedBody {
  const form = parseQuery(text);
  const data = form.data;
  const records = recordsFromData(route, Array.isArray(data) ? data[0] : (data ?? queryData), limits);
  return { records, form, fromDataParam: true };
}

function jsonBody(records: unknown[]): DecodedBody {
  return { records, form: undefined, fromDataParam: false };
}

function parseJsonBody(route: IngestRoute, text: string, bytes: number, limits: IngestLimits): unknown[] {
  checkPayloadSize(bytes, limits);
  return parseRecords(route, text, "the body", limits);
}

/**
 * Events are scanned (scan-events.ts): those in the common shape are cleaned from the text itself;
 * other records, and texts the scan does not read, are parsed.
 */
function parseRecords(route: IngestRoute, text: string, what: string, limits: IngestLimits): unknown[] {
  const json = stripBom(text);
  if (route === "track" || route === "import") {
    const scanned = scanEvents(json, route === "track");
    if (scanned !== undefined) {
      checkRecordCount(scanned.length, limits);
      return scanned;
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw badRequest("bad_json", `${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(value)) {
    checkRecordCount(value.length, limits);
    if (value.length === 0) throw badRequest("bad_payload", `${what} holds an empty list: nothing to ingest`);
    return value;
  }
  if (typeof value === "object" && value !== null) return [value];
  throw badRequest("bad_payload", `${what} must be a JSON object or an array of objects`);
}

/** One record per line; blank lines are skipped. The try wraps the loop, not each line. */
function parseNdjson(text: string, limits: IngestLimits): unknown[] {
  const lines = stripBom(text).split("\n");
  const records: unknown[] = [];
  let line = 0;
  try {
    for (; line < lines.length; line++) {
      const source = lines[line];
      if (source.trim() === "") continue;
      checkRecordCount(records.length + 1, limits);
      records.push(JSON.parse(source));
    }
  } catch (error) {
    if (error instanceof IngestError) throw error;
    throw badRequest(
      "bad_json",
      `line ${line + 1} of the body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (records.length === 0) throw badRequest("bad_payload", "the body holds no records: nothing to ingest");
  return records;
}

function checkRecordCount(count: number, limits: IngestLimits): void {
  if (count > limits.maxRecords) {
    throw new IngestError(
      413,
      "too_many_records",
      `too many records: at most ${limits.maxRecords} records per request; split the batch`,
    );
  }
}

function checkPayloadSize(bytes: number, limits: IngestLimits): void {
  if (bytes > limits.maxPayloadBytes) {
    throw new IngestError(
      413,
      "body_too_large",
      `payload is ${bytes} bytes: at most ${describeBytes(limits.maxPayloadBytes)} of uncompressed JSON per request`,
    );
  }
}

function looksLikeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */ || c === 91 /* [ */) return true;
    // Whitespace and a byte-order mark may come first.
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff) return false;
  }
  return false;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return "";
  const end = contentType.indexOf(";");
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}
