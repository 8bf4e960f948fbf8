// application/x-www-form-urlencoded, as node:querystring.parse reads it, in a fraction of its time:
// on /track by GET the query string is the whole request, and querystring.parse spent 6 µs of
// JavaScript unescaping a 500-byte base64 `data` that decodeURIComponent unescapes natively.

import { type ParsedUrlQuery, unescape as unescapeLeniently } from "node:querystring";
import { knownStrings } from "../util/known-strings.js";

/** querystring.parse's own default: fields past the thousandth are ignored. */
export const MAX_QUERY_FIELDS = 1000;

/**
 * `a=1&b=2&b=3` → `{ a: "1", b: ["2", "3"] }` in a null-prototype object, so user keys cannot
 * reach a prototype. `+` is a space; a malformed escape is kept as written, as querystring does.
 */
export function parseQueryString(text: string): ParsedUrlQuery {
  const fields: ParsedUrlQuery = Object.create(null);
  let count = 0;
  let start = 0;
  while (start <= text.length && count < MAX_QUERY_FIELDS) {
    let end = text.indexOf("&", start);
    if (end === -1) end = text.length;
    if (end > start) {
      addField(fields, text, start, end);
      count++;
    }
    start = end + 1;
  }
  return fields;
}

/** The parameters the ingestion API reads and the SDKs send (util/known-strings.ts says why). */
const parameterName = knownStrings([
  "_",
  "callback",
  "data",
  "img",
  "ip",
  "project_id",
  "redirect",
  "strict",
  "verbose",
]);

function addField(fields: ParsedUrlQuery, text: string, start: number, end: number): void {
  const eq = text.indexOf("=", start);
  const hasValue = eq !== -1 && eq < end;
  const key = parameterName(unescapeField(text.slice(start, hasValue ? eq : end)));
  const value = hasValue ? unescapeField(text.slice(eq + 1, end)) : "";
  const before = fields[key];
  if (before === undefined) fields[key] = value;
  else if (Array.isArray(before)) before.push(value);
  else fields[key] = [before, value];
}

const VALID_ESCAPE = /%[0-9A-Fa-f]{2}/;

function unescapeField(raw: string): string {
  const spaced = raw.includes("+") ? raw.replaceAll("+", " ") : raw;
  if (!spaced.includes("%")) return spaced;
  const ascii = unescapeAscii(spaced);
  if (ascii !== undefined) return ascii;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A stray `%` or an escape that is not UTF-8: decode what can be decoded, keep the rest —
    // and, as querystring does, leave a field with no valid escape at all exactly as written.
    return VALID_ESCAPE.test(spaced) ? unescapeLeniently(spaced) : spaced;
  }
}

/**
 * Escapes unescapeAscii takes before it leaves the field to decodeURIComponent. Each escape adds two
 * pieces to the string it builds: percent-encoded JSON (mixpanel-python's forms escape every quote,
 * colon and comma) made a 30 MB body take seconds, most of them in the garbage collector, where
 * decodeURIComponent takes a fifth of a second.
 */
const MAX_ASCII_ESCAPES = 16;

/**
 * The common case, base64 with a few of its `+`, `/` and `=` escaped: every escape an ASCII byte.
 * A browser event's `data` (one escape) unescapes in a third of decodeURIComponent's time. Undefined
 * when an escape is not ASCII (then UTF-8 rules apply) or when there are many.
 */
function unescapeAscii(text: string): string | undefined {
  let out = "";
  let from = 0;
  let escapes = 0;
  for (let at = text.indexOf("%"); at !== -1; at = text.indexOf("%", from)) {
    if (++escapes > MAX_ASCII_ESCAPES) return undefined;
    const byte = at + 2 < text.length ? hexByte(text.charCodeAt(at + 1), text.charCodeAt(at + 2)) : -1;
    if (byte < 0 || byte > 0x7f) return undefined;
    out += text.slice(from, at) + String.fromCharCode(byte);
    from = at + 3;
  }
  return out + text.slice(from);
}

function hexByte(high: number, low: number): number {
  const h = hexDigit(high);
  const l = hexDigit(low);
  return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}
