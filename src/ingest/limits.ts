// Every limit of the ingestion API in one place, so the 413 and 400 messages can quote them.

export interface IngestLimits {
  /** Records in one request (spec: 2,000). */
  readonly maxRecords: number;
  /** The decoded JSON payload of one request, uncompressed (spec: 10 MB on /import). */
  readonly maxPayloadBytes: number;
  /**
   * The HTTP body as received and again after gunzip. Three times maxPayloadBytes because a form
   * body carries the payload in base64 (4/3 of its size, a little more once its `+` and `/` are
   * percent-encoded) or as percent-encoded JSON (mixpanel-python): up to three bytes a byte. A
   * payload within the spec's 10 MB must never be refused for how it was sent.
   */
  readonly maxBodyBytes: number;
  /** One cleaned record (spec: a whole event ≤ 1 MB). */
  readonly maxRecordBytes: number;
  /**
   * Bodies still arriving, all requests together (body-budget.ts): past it a request is refused
   * with 503 and Retry-After. Both node:http's streamed bodies and the HTTP lane's partial requests
   * count; never less than one whole body (maxBodyBytes).
   */
  readonly maxArrivingBodyBytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxRecords: 2000,
  maxPayloadBytes: 10 * 1024 * 1024,
  // Room for the form's other fields (verbose, ip, …) beside a whole percent-encoded payload.
  maxBodyBytes: 30 * 1024 * 1024 + 64 * 1024,
  maxRecordBytes: 1024 * 1024,
  maxArrivingBodyBytes: 256 * 1024 * 1024,
};

/** Spec limits on the shape of one record; fixed by the Mixpanel API, so not configurable. */
export const MAX_NAME_BYTES = 255;
export const MAX_PROPERTIES = 255;
export const MAX_STRING_CHARS = 255;
export const MAX_NESTING = 3;
export const MAX_LIST_ITEMS = 255;
export const MAX_INSERT_ID_CHARS = 36;

/** /track takes events from the last 5 days up to 1 hour ahead. */
export const TRACK_MAX_AGE_MS = 5 * 24 * 3600 * 1000;
export const MAX_AHEAD_MS = 3600 * 1000;
/** /import takes events from 1971-01-01 on. */
export const IMPORT_EARLIEST_MS = Date.UTC(1971, 0, 1);

export function describeBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB (${bytes} bytes)`;
  return `${bytes} bytes`;
}
