// The head of an HTTP/1.1 request, read by the server's own lane (fast-lane.ts) — but only the plain
// kind: GET or POST, origin-form target of visible ASCII, HTTP/1.0 or 1.1, headers of token names
// and printable ASCII values, each named once, a body only by Content-Length. Anything else is
// `OTHER`: the connection then goes to node:http (llhttp), which answers it as it always did, so
// this parser never has to decide an edge case of the protocol, only to recognise the plain one.

import type { IncomingHttpHeaders } from "node:http";
import { knownStrings } from "../../util/known-strings.js";

export interface RequestHead {
  readonly method: "GET" | "POST";
  /** Path and query, as sent. */
  readonly url: string;
  /** Lower-case names, no prototype. */
  readonly headers: IncomingHttpHeaders;
  readonly contentLength: number;
  /** The connection stays open after the reply (HTTP/1.1 without `close`, 1.0 with `keep-alive`). */
  readonly keepAlive: boolean;
  /** Bytes from the request line to the blank line, both CRLFs included. */
  readonly headBytes: number;
}

/** The head has not all arrived yet. */
export const INCOMPLETE = "incomplete";
/** Not a request this parser takes: node:http must read it. */
export const OTHER = "other";

export type HeadParse = RequestHead | typeof INCOMPLETE | typeof OTHER;

/** More headers than any SDK or browser sends; a request with more goes to node:http. */
const MAX_HEADERS = 64;
const END_OF_HEAD = Buffer.from("\r\n\r\n");

/**
 * What a plain head never holds: a byte outside printable ASCII other than TAB, CR and LF. One pass
 * over the head rules them out, so the lines need no byte loops; a CR or LF that is not a line's
 * CRLF is looked for in the target and each value (a lookaround here made the pass half as fast
 * again).
 */
const NOT_PLAIN = /[^\t\r\n\x20-\x7e]/;

/** The header names SDKs and browsers send (util/known-strings.ts says why). */
const headerName = knownStrings([
  "accept",
  "accept-encoding",
  "accept-language",
  "authorization",
  "cache-control",
  "connection",
  "content-encoding",
  "content-length",
  "content-type",
  "cookie",
  "dnt",
  "expect",
  "host",
  "origin",
  "pragma",
  "referer",
  "sec-fetch-dest",
  "sec-fetch-mode",
  "sec-fetch-site",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-forwarded-for",
  "x-real-ip",
  "x-requested-with",
]);

/** RFC 9110 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Reads the request head at the start of `bytes`. `maxHeadBytes` bounds the search: a head not
 * complete within it is `OTHER` (node:http answers 431).
 */
export function parseRequestHead(bytes: Buffer, maxHeadBytes: number): HeadParse {
  const end = bytes.indexOf(END_OF_HEAD);
  if (end === -1) return bytes.length > maxHeadBytes ? OTHER : INCOMPLETE;
  if (end + 4 > maxHeadBytes) return OTHER;
  // Every line, each with its CRLF; latin1 maps each byte to one character.
  const head = bytes.toString("latin1", 0, end + 2);
  if (NOT_PLAIN.test(head)) return OTHER;
  const line = requestLine(head);
  if (line === undefined) return OTHER;
  const fields = headerFields(head, line.next, line.minor === 1);
  if (fields === undefined) return OTHER;
  return {
    method: line.method,
    url: line.url,
    headers: fields.headers,
    contentLength: fields.contentLength,
    keepAlive: fields.keepAlive,
    headBytes: end + 4,
  };
}

interface RequestLine {
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly minor: number;
  /** Where the first header line starts. */
  readonly next: number;
}

/** `GET /… HTTP/1.x` or `POST /… HTTP/1.x`, the target visible ASCII (NOT_PLAIN left only TAB). */
function requestLine(head: string): RequestLine | undefined {
  let method: "GET" | "POST";
  if (head.startsWith("GET /")) method = "GET";
  else if (head.startsWith("POST /")) method = "POST";
  else return undefined;
  const target = method.length + 1;
  const space = head.indexOf(" ", target);
  const lineEnd = head.indexOf("\r\n");
  if (space === -1 || space > lineEnd || lineEnd !== space + 9) return undefined;
  const url = head.slice(target, space);
  if (url.includes("\t") || hasLineBreak(url) || !head.startsWith(" HTTP/1.", space)) return undefined;
  const minor = head.charCodeAt(space + 8) - 0x30;
  if (minor !== 0 && minor !== 1) return undefined;
  return { method, url, minor, next: lineEnd + 2 };
}

/** A CR or LF inside a line: never part of a plain head. */
function hasLineBreak(text: string): boolean {
  return text.includes("\r") || text.includes("\n");
}

interface HeaderFields {
  readonly headers: IncomingHttpHeaders;
  readonly contentLength: number;
  readonly keepAlive: boolean;
}

/** The header lines from `at` to the end of `head`, each `name: value` and CRLF. */
function headerFields(head: string, at: number, http11: boolean): HeaderFields | undefined {
  const headers: Record<string, string> = Object.create(null);
  let count = 0;
  while (at < head.length) {
    const lineEnd = head.indexOf("\r\n", at);
    const colon = head.indexOf(":", at);
    if (colon === -1 || colon > lineEnd || ++count > MAX_HEADERS) return undefined;
    const name = head.slice(at, colon);
    if (!TOKEN.test(name)) return undefined;
    const key = headerName(name.toLowerCase());
    const raw = head.slice(colon + 1, lineEnd);
    if (hasLineBreak(raw) || headers[key] !== undefined) return undefined;
    // Only TAB and printable ASCII are left: trim() removes exactly the blanks HTTP allows.
    headers[key] = raw.trim();
    at = lineEnd + 2;
  }
  return framing(headers, http11);
}

/**
 * How the body is delimited and whether the connection stays open. Chunked bodies, Expect,
 * Upgrade, Proxy-Connection (which llhttp reads as Connection) and HTTP/1.1 without Host are
 * node:http's to answer.
 */
function framing(headers: Record<string, string>, http11: boolean): HeaderFields | undefined {
  if (
    headers["transfer-encoding"] !== undefined ||
    headers.expect !== undefined ||
    headers.upgrade !== undefined ||
    headers["proxy-connection"] !== undefined ||
    (http11 && headers.host === undefined)
  )
    return undefined;
  const length = headers["content-length"];
  if (length !== undefined && !/^\d{1,15}$/.test(length)) return undefined;
  const options = headers.connection === undefined ? NO_OPTIONS : connectionOptions(headers.connection);
  if (options.upgrade) return undefined;
  return {
    headers,
    contentLength: length === undefined ? 0 : Number(length),
    keepAlive: !options.close && (http11 || options.keepAlive),
  };
}

interface ConnectionOptions {
  readonly close: boolean;
  readonly keepAlive: boolean;
  readonly upgrade: boolean;
}

/** Most requests send no Connection header: nothing to split then. */
const NO_OPTIONS: ConnectionOptions = { close: false, keepAlive: false, upgrade: false };

/** The values clients send, read once. */
const PLAIN_CONNECTION: ReadonlyMap<string, ConnectionOptions> = new Map([
  ["keep-alive", { close: false, keepAlive: true, upgrade: false }],
  ["close", { close: true, keepAlive: false, upgrade: false }],
]);

function connectionOptions(header: string): ConnectionOptions {
  const lower = header.toLowerCase();
  const plain = PLAIN_CONNECTION.get(lower);
  if (plain !== undefined) return plain;
  const options = lower.split(",").map((token) => token.trim());
  return {
    close: options.includes("close"),
    keepAlive: options.includes("keep-alive"),
    upgrade: options.includes("upgrade"),
  };
}
