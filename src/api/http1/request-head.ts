// The head of an HTTP/1.1 request, read by the server's own lane (fast-lane.ts) — but only the plain
// kind: GET or POST, origin-form target of visible ASCII, HTTP/1.0 or 1.1, headers of token names
// and printable ASCII values, each named once, a body only by Content-Length. Anything else is
// `OTHER`: the connection then goes to node:http (llhttp), which answers it as it always did, so
// this parser never has to decide an edge case of the protocol, only to recognise the plain one.

import type { IncomingHttpHeaders } from "node:http";

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
const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;
const COLON = 58;
const END_OF_HEAD = Buffer.from("\r\n\r\n");
/** `HTTP/1.` */
const VERSION_PREFIX = Buffer.from("HTTP/1.");

/** RFC 9110 tchar: what a header name may hold. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN[c.charCodeAt(0)] = 1;

/**
 * Reads the request head at the start of `bytes`. `maxHeadBytes` bounds the search: a head not
 * complete within it is `OTHER` (node:http answers 431).
 */
export function parseRequestHead(bytes: Buffer, maxHeadBytes: number): HeadParse {
  const end = bytes.indexOf(END_OF_HEAD);
  if (end === -1) return bytes.length > maxHeadBytes ? OTHER : INCOMPLETE;
  if (end + 4 > maxHeadBytes) return OTHER;
  const line = requestLine(bytes, end);
  if (line === undefined) return OTHER;
  const fields = headerFields(bytes, line.next, end + 2, line.minor === 1);
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

function requestLine(bytes: Buffer, end: number): RequestLine | undefined {
  let at: number;
  let method: "GET" | "POST";
  if (bytes[0] === 0x47 && bytes[1] === 0x45 && bytes[2] === 0x54 && bytes[3] === SPACE) {
    method = "GET";
    at = 4;
  } else if (
    bytes[0] === 0x50 &&
    bytes[1] === 0x4f &&
    bytes[2] === 0x53 &&
    bytes[3] === 0x54 &&
    bytes[4] === SPACE
  ) {
    method = "POST";
    at = 5;
  } else return undefined;
  const target = at;
  if (bytes[at] !== 0x2f /* / */) return undefined;
  while (at < end && bytes[at] !== SPACE) {
    const c = bytes[at];
    if (c < 0x21 || c > 0x7e) return undefined;
    at++;
  }
  const url = bytes.toString("latin1", target, at);
  // ` HTTP/1.x\r\n`, the CRLF at most the head's last one.
  if (at + 11 > end + 2 || bytes.compare(VERSION_PREFIX, 0, 7, at + 1, at + 8) !== 0) return undefined;
  const minor = bytes[at + 8] - 0x30;
  if ((minor !== 0 && minor !== 1) || bytes[at + 9] !== CR || bytes[at + 10] !== LF) return undefined;
  return { method, url, minor, next: at + 11 };
}

interface HeaderFields {
  readonly headers: IncomingHttpHeaders;
  readonly contentLength: number;
  readonly keepAlive: boolean;
}

/** The header lines from `at` up to `stop` (just past the last line's CRLF). */
function headerFields(bytes: Buffer, at: number, stop: number, http11: boolean): HeaderFields | undefined {
  const headers: Record<string, string> = Object.create(null);
  let count = 0;
  while (at < stop) {
    const lineEnd = bytes.indexOf(CR, at);
    if (lineEnd === -1 || lineEnd >= stop || bytes[lineEnd + 1] !== LF) return undefined;
    const colon = nameEnd(bytes, at, lineEnd);
    if (colon === -1 || ++count > MAX_HEADERS) return undefined;
    const name = bytes.toString("latin1", at, colon).toLowerCase();
    const value = fieldValue(bytes, colon + 1, lineEnd);
    if (value === undefined || headers[name] !== undefined) return undefined;
    headers[name] = value;
    at = lineEnd + 2;
  }
  return framing(headers, http11);
}

/** The colon after a header name of token characters, or -1. */
function nameEnd(bytes: Buffer, at: number, lineEnd: number): number {
  let i = at;
  while (i < lineEnd && TOKEN[bytes[i]] === 1) i++;
  return i > at && i < lineEnd && bytes[i] === COLON ? i : -1;
}

/** The value without surrounding blanks; undefined when it holds a byte outside printable ASCII. */
function fieldValue(bytes: Buffer, from: number, to: number): string | undefined {
  let start = from;
  let end = to;
  while (start < end && (bytes[start] === SPACE || bytes[start] === TAB)) start++;
  while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end--;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if ((c < 0x20 && c !== TAB) || c > 0x7e) return undefined;
  }
  return bytes.toString("latin1", start, end);
}

/**
 * How the body is delimited and whether the connection stays open. Chunked bodies, Expect,
 * Upgrade and HTTP/1.1 without Host are node:http's to answer.
 */
function framing(headers: Record<string, string>, http11: boolean): HeaderFields | undefined {
  if (
    headers["transfer-encoding"] !== undefined ||
    headers.expect !== undefined ||
    headers.upgrade !== undefined ||
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

function connectionOptions(header: string): ConnectionOptions {
  const options = header
    .toLowerCase()
    .split(",")
    .map((token) => token.trim());
  return {
    close: options.includes("close"),
    keepAlive: options.includes("keep-alive"),
    upgrade: options.includes("upgrade"),
  };
}
