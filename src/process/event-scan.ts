// What processing needs of a queued event, read straight off the envelope's bytes: the project,
// whether ingest generated the insert id, where the record's text lies, its time and distinct id.
// Ingest writes the time and distinct id of every ordinary event into the envelope's head (the
// summary, envelope.ts), and then the record is not read at all. An envelope without a summary (an
// identity event, or one from a log older than the summary) is walked: its record is checked to be
// JSON that JSON.parse takes, with the fields an event must have (envelope.ts, eventRecord). Either
// way no object of the record is built: the sealing worker parses each event once, and the
// processing thread does not parse it a second time. Anything this reader is not sure of (another
// layout, an escaped key or name, an identity event, nesting past MAX_DEPTH) it declines, and the
// caller decodes the record the ordinary way.
// Hot path: a few byte compares per summarised event, one pass over the bytes of another; no
// allocation but the distinct id's string.

import { EventHead, IDENTITY_EVENTS } from "../queue/envelope.js";
import { CHAR, isDigit, numberEnd } from "../util/json-chars.js";

/** Containers nested deeper than this are left to JSON.parse (and the recursion here stays short). */
export const MAX_DEPTH = 256;

const IDENTITY_NAMES = Array.from(IDENTITY_EVENTS, bytes);

const KEY = {
  event: bytes("event"),
  properties: bytes("properties"),
  time: bytes("time"),
  insertId: bytes("$insert_id"),
  distinctId: bytes("distinct_id"),
} as const;

function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Bytes of JSON's one escape letter after a backslash, 1 where allowed (u is checked apart). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

/** What a byte inside a JSON string is: most are ordinary; a quote ends it; control bytes are refused. */
const ORDINARY = 0;
const END = 1;
const ESCAPE = 2;
const CONTROL = 3;
const IN_STRING = new Uint8Array(256);
IN_STRING.fill(CONTROL, 0, CHAR.space);
IN_STRING[CHAR.quote] = END;
IN_STRING[CHAR.backslash] = ESCAPE;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** One scanner per processor; `read` fills its fields for one payload at a time. */
export class EventScan {
  projectId = 0;
  insertIdGenerated = false;
  /** The record (`d`) is bytes recordStart … recordEnd of the payload. */
  recordStart = 0;
  recordEnd = 0;
  /** properties.time, seconds since the epoch. */
  time = 0;
  /** properties.distinct_id; "" when the event has none. */
  distinctId = "";

  private readonly head = new EventHead();
  private b: Buffer = EMPTY;
  /** Whether the string just scanned had an escape. */
  private escaped = false;
  // Where the fields the record must have were found (last occurrence wins, as in JSON.parse).
  private eventAt = -1;
  private eventEnd = -1;
  private eventEscaped = false;
  private propertiesFound = false;
  private timeAt = -1;
  private timeEnd = -1;
  private insertIdFound = false;
  private idAt = -1;
  private idEnd = -1;
  private idEscaped = false;

  /**
   * True when `payload` is an event envelope laid out as encodeEnvelope writes it whose record is
   * a valid, ordinary event (not an identity event): the fields then describe it. False: decode it
   * the ordinary way, which decides.
   */
  read(payload: Buffer): boolean {
    const head = this.head;
    if (!head.read(payload)) return false;
    this.projectId = head.projectId;
    this.insertIdGenerated = head.insertIdGenerated;
    this.recordStart = head.recordStart;
    this.recordEnd = payload.length - 1;
    this.b = payload;
    const ok = head.timeStart < 0 ? this.readRecord() : this.readSummary();
    this.b = EMPTY;
    return ok;
  }

  /**
   * An envelope with a summary: ingest wrote it for an ordinary event, with the record's own time
   * and distinct id, so the record is not walked. Its bytes are ingest's, JSON by construction
   * (test/ingest/splice-event.test.ts), and the log's checksum has held on the way here.
   */
  private readSummary(): boolean {
    const { b, head } = this;
    if (b[this.recordStart] !== CHAR.openBrace || b[this.recordEnd - 1] !== CHAR.closeBrace) return false;
    this.time = numberAt(b, head.timeStart, head.timeEnd);
    if (head.idStart < 0) {
      this.distinctId = "";
      return true;
    }
    if (this.stringEnd(head.idStart) !== head.idEnd) return false;
    this.distinctId = this.decodeString(head.idStart + 1, head.idEnd - 1, this.escaped);
    return true;
  }

  private readRecord(): boolean {
    const b = this.b;
    this.eventAt = -1;
    this.propertiesFound = false;
    let i = skipSpace(b, this.recordStart);
    if (b[i] !== CHAR.openBrace) return false;
    i = this.members(i + 1, true);
    if (i < 0 || skipSpace(b, i) !== this.recordEnd) return false;
    // An escaped name might spell an identity event: JSON.parse decides.
    if (this.eventAt < 0 || this.eventEscaped || !this.propertiesFound) return false;
    if (this.timeAt < 0 || !this.insertIdFound) return false;
    for (const name of IDENTITY_NAMES) if (this.equals(this.eventAt, this.eventEnd, name)) return false;
    this.time = numberAt(b, this.timeAt, this.timeEnd);
    this.distinctId = this.idAt < 0 ? "" : this.decodeString(this.idAt, this.idEnd, this.idEscaped);
    return true;
  }

  /**
   * The members of the record (`record`) or of its properties, from just past the `{` to just past
   * the `}`; -1 when they are not valid JSON or a key there is escaped (it might spell a key that
   * matters). Only these two objects' keys matter, so only here are keys compared: as bytes, since
   * an unescaped key's UTF-8 bytes equal an ASCII name's only when it is that name.
   */
  private members(from: number, record: boolean): number {
    const b = this.b;
    let i = skipSpace(b, from);
    if (b[i] === CHAR.closeBrace) return i + 1;
    for (;;) {
      if (b[i] !== CHAR.quote) return -1;
      const keyAt = i + 1;
      i = this.stringEnd(i);
      if (i < 0 || this.escaped) return -1;
      const keyEnd = i - 1;
      i = skipSpace(b, i);
      if (b[i] !== CHAR.colon) return -1;
      i = skipSpace(b, i + 1);
      i = record ? this.recordMember(keyAt, keyEnd, i) : this.propertyMember(keyAt, keyEnd, i);
      if (i < 0) return -1;
      i = skipSpace(b, i);
      if (b[i] === CHAR.closeBrace) return i + 1;
      if (b[i] !== CHAR.comma) return -1;
      i = skipSpace(b, i + 1);
    }
  }

  /** A member of the record whose value starts at `at`; returns where the value ends. */
  private recordMember(keyAt: number, keyEnd: number, at: number): number {
    const b = this.b;
    if (this.equals(keyAt, keyEnd, KEY.event)) {
      if (b[at] !== CHAR.quote) return -1;
      const end = this.stringEnd(at);
      if (end < 0) return -1;
      this.eventAt = at + 1;
      this.eventEnd = end - 1;
      this.eventEscaped = this.escaped;
      return end;
    }
    if (this.equals(keyAt, keyEnd, KEY.properties)) {
      if (b[at] !== CHAR.openBrace) return -1;
      // A later "properties" replaces an earlier one whole, as in JSON.parse.
      this.propertiesFound = true;
      this.timeAt = -1;
      this.insertIdFound = false;
      this.idAt = -1;
      return this.members(at + 1, false);
    }
    return this.valueEnd(at, 1);
  }

  /** A member of the properties whose value starts at `at`; returns where the value ends. */
  private propertyMember(keyAt: number, keyEnd: number, at: number): number {
    const b = this.b;
    const end = this.valueEnd(at, 2);
    if (end < 0) return -1;
    if (this.equals(keyAt, keyEnd, KEY.time)) {
      if (b[at] !== CHAR.minus && !isDigit(b[at])) return -1;
      this.timeAt = at;
      this.timeEnd = end;
    } else if (this.equals(keyAt, keyEnd, KEY.insertId)) {
      if (b[at] !== CHAR.quote) return -1;
      this.insertIdFound = true;
    } else if (this.equals(keyAt, keyEnd, KEY.distinctId)) {
      if (b[at] !== CHAR.quote) return -1;
      this.idAt = at + 1;
      this.idEnd = end - 1;
      this.idEscaped = this.escaped;
    }
    return end;
  }

  /** Where the JSON value at `at` ends; -1 when it is not one. */
  private valueEnd(at: number, depth: number): number {
    const c = this.b[at];
    if (c === CHAR.quote) return this.stringEnd(at);
    if (c === CHAR.openBrace) return this.objectEnd(at, depth + 1);
    if (c === CHAR.openBracket) return this.arrayEnd(at, depth + 1);
    if (c === CHAR.minus || isDigit(c)) return numberEnd(this.b, at);
    if (c === CHAR.lowerT) return this.literalEnd(at, "true");
    if (c === CHAR.lowerF) return this.literalEnd(at, "false");
    if (c === CHAR.lowerN) return this.literalEnd(at, "null");
    return -1;
  }

  private literalEnd(at: number, word: string): number {
    for (let k = 1; k < word.length; k++) if (this.b[at + k] !== word.charCodeAt(k)) return -1;
    return at + word.length;
  }

  private objectEnd(at: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    const b = this.b;
    let i = skipSpace(b, at + 1);
    if (b[i] === CHAR.closeBrace) return i + 1;
    for (;;) {
      if (b[i] !== CHAR.quote) return -1;
      i = this.stringEnd(i);
      if (i < 0) return -1;
      i = skipSpace(b, i);
      if (b[i] !== CHAR.colon) return -1;
      i = this.valueEnd(skipSpace(b, i + 1), depth);
      if (i < 0) return -1;
      i = skipSpace(b, i);
      if (b[i] === CHAR.closeBrace) return i + 1;
      if (b[i] !== CHAR.comma) return -1;
      i = skipSpace(b, i + 1);
    }
  }

  private arrayEnd(at: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    const b = this.b;
    let i = skipSpace(b, at + 1);
    if (b[i] === CHAR.closeBracket) return i + 1;
    for (;;) {
      i = this.valueEnd(i, depth);
      if (i < 0) return -1;
      i = skipSpace(b, i);
      if (b[i] === CHAR.closeBracket) return i + 1;
      if (b[i] !== CHAR.comma) return -1;
      i = skipSpace(b, i + 1);
    }
  }

  /** Where the string whose quote is at `at` ends (past its closing quote); sets `escaped`. */
  private stringEnd(at: number): number {
    const b = this.b;
    const n = b.length;
    let escaped = false;
    for (let i = at + 1; i < n; i++) {
      // One table load per byte: most bytes are ordinary.
      const kind = IN_STRING[b[i]];
      if (kind === ORDINARY) continue;
      if (kind === END) {
        this.escaped = escaped;
        return i + 1;
      }
      if (kind === CONTROL) return -1;
      escaped = true;
      const e = b[++i];
      if (e === CHAR.lowerU) {
        if (!(isHex(b[i + 1]) && isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]))) return -1;
        i += 4;
      } else if (e === undefined || SIMPLE_ESCAPE[e] !== 1) return -1;
    }
    return -1;
  }

  private equals(from: number, to: number, word: Uint8Array): boolean {
    return to - from === word.length && startsWith(this.b, from, word);
  }

  /** The string between quotes at `from` … `to`, as JSON.parse reads it. */
  private decodeString(from: number, to: number, escaped: boolean): string {
    if (!escaped) return this.b.toString("utf8", from, to);
    return JSON.parse(this.b.toString("utf8", from - 1, to + 1)) as string;
  }
}

const EMPTY = Buffer.alloc(0);

function startsWith(b: Buffer, at: number, word: Uint8Array): boolean {
  if (at + word.length > b.length) return false;
  for (let k = 0; k < word.length; k++) if (b[at + k] !== word[k]) return false;
  return true;
}

function skipSpace(b: Uint8Array, at: number): number {
  let i = at;
  for (;;) {
    const c = b[i];
    if (c !== CHAR.space && c !== CHAR.newline && c !== CHAR.cr && c !== CHAR.tab) return i;
    i++;
  }
}

/** Powers of ten that doubles hold exactly. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The JSON number in bytes `from` … `to` (checked by numberEnd), as JSON.parse reads it. With at
 * most 15 digits and no exponent it is an exact integer over an exact power of ten, and IEEE
 * division rounds that quotient correctly, as the decimal conversion does; else the conversion.
 */
function numberAt(b: Buffer, from: number, to: number): number {
  let p = b[from] === CHAR.minus ? from + 1 : from;
  let mantissa = 0;
  let digits = 0;
  let scale = -1;
  for (; p < to; p++) {
    const c = b[p];
    if (c === CHAR.dot) scale = 0;
    else if (isDigit(c)) {
      mantissa = mantissa * 10 + (c - CHAR.zero);
      digits++;
      if (scale >= 0) scale++;
    } else break;
  }
  if (p < to || digits > 15) return Number(b.toString("latin1", from, to));
  const value = scale > 0 ? mantissa / EXACT_POWERS[scale] : mantissa;
  return b[from] === CHAR.minus ? -value : value;
}
