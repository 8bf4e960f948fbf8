// A single validating pass over the JSON text of a /track or /import request that spots the events
// ingestion can clean without parsing them: `{"event": name, "properties": {…}}` whose properties
// obey every shape rule on sight (validate-properties.ts) and whose special fields (token, time,
// distinct_id, $insert_id, ip) are plain. For those it records where the fields sit, so the
// envelope can be written by splicing the request's own text (splice-event.ts) instead of
// JSON.parse, clean, JSON.stringify; every other record is parsed as before, one at a time.
//
// The pass is conservative, never lenient: it accepts a subset of JSON (JSON.parse accepts all of
// it) and a subset of the fast shape. Whatever it is unsure of — escapes in keys or special values,
// exponents, -0, long strings, deep nesting, duplicate special keys, identity events — goes to the
// slow path, which gives the exact answer and the exact error. A text it cannot read at all is
// handed back whole (undefined), for JSON.parse to accept or to name the syntax error.

import { IDENTITY_EVENTS as IDENTITY_EVENT_NAMES } from "../queue/envelope.js";
import { CHAR } from "../util/json-chars.js";
import { MAX_LIST_ITEMS, MAX_NESTING, MAX_PROPERTIES, MAX_STRING_CHARS } from "./limits.js";

/** An event the scan found in the fast shape: the spans of its parts in `text`. */
export class ScannedEvent {
  /** The event name's JSON literal, quotes included. */
  nameStart = 0;
  nameEnd = 0;
  /** `{` … `}` of properties. */
  propsStart = 0;
  propsEnd = 0;
  /** Members of properties, as written. */
  members = 0;
  token: string | undefined = undefined;
  /** The time's number literal; -1 when absent. */
  timeStart = -1;
  timeEnd = -1;
  /** The distinct id's literal (a string with its quotes, or a number); -1 when absent. */
  distinctStart = -1;
  distinctEnd = -1;
  distinctIsNumber = false;
  insertId: string | undefined = undefined;
  hasIp = false;

  constructor(
    readonly text: string,
    /** The record's `{` … `}`. */
    readonly start: number,
    public end: number,
  ) {}

  /** The record as JSON.parse gives it, for the slow path. */
  parse(): unknown {
    return JSON.parse(this.text.slice(this.start, this.end));
  }
}

/**
 * The records of `text` (a JSON object or array), each a ScannedEvent or, outside the fast shape,
 * the parsed record; undefined when the text is not JSON this pass reads (the caller parses it).
 * `cutStrings`: the endpoint cuts long strings (/track), so a long one is outside the fast shape.
 */
export function scanEvents(text: string, cutStrings: boolean): unknown[] | undefined {
  const scan = new Scan(text, cutStrings);
  try {
    const records = scan.records();
    scan.skipSpace();
    return scan.pos === text.length && records.length > 0 ? records : undefined;
  } catch (error) {
    if (error === NOT_JSON) return undefined;
    throw error;
  }
}

/** Thrown inside the scan where the text stops being JSON it can read. */
const NOT_JSON = Symbol("not JSON");

/** Nesting the scan follows before it hands a text to JSON.parse (which needs no stack for it). */
const MAX_SCAN_DEPTH = MAX_NESTING + 4;

/** A key or event name of at most this many UTF-16 units is within 255 UTF-8 bytes. */
const SHORT_NAME = 85;

/** key(): a key with escapes, or too long to compare. */
const UNREAD = -1;

const RECORD_KEYS = ["event", "properties"] as const;
const EVENT = 0;
const PROPERTIES = 1;

const SPECIAL_KEYS = ["token", "time", "distinct_id", "$insert_id", "ip"] as const;
const TOKEN = 0;
const TIME = 1;
const DISTINCT_ID = 2;
const INSERT_ID = 3;
const IP = 4;

const NO_NAMES: readonly string[] = [];

const ESCAPE_OR_CONTROL = /[\u0000-\u001f\\]/;

/** Events the slow path checks for the ids they link (validate-event.ts). */
const IDENTITY_EVENTS: readonly string[] = [...IDENTITY_EVENT_NAMES];

class Scan {
  pos = 0;
  /** The last string scanned held a backslash escape. */
  escaped = false;
  /** The last number scanned is one JSON.stringify writes back the same (no exponent, not -0). */
  plainNumber = false;
  /** The record being scanned is still in the fast shape. */
  fast = true;
  /**
   * The text holds no backslash and no control character, so a string ends at the next quote: found
   * by indexOf, not by a loop over its characters. (Whitespace between tokens other than spaces
   * makes a text take the loop; SDKs send none.)
   */
  readonly plainStrings: boolean;

  constructor(
    readonly text: string,
    readonly cutStrings: boolean,
  ) {
    this.plainStrings = !ESCAPE_OR_CONTROL.test(text);
  }

  records(): unknown[] {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    if (c === CHAR.openBrace) return [this.record()];
    if (c !== CHAR.openBracket) throw NOT_JSON;
    this.pos++;
    const records: unknown[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === CHAR.closeBracket) throw NOT_JSON; // empty: the slow path says so
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) === CHAR.openBrace) {
        records.push(this.record());
      } else {
        const start = this.pos;
        this.value(0);
        records.push(JSON.parse(this.text.slice(start, this.pos)));
      }
      if (this.separator(CHAR.closeBracket)) return records;
    }
  }

  /** One record object: a ScannedEvent when it stays in the fast shape, else the parsed record. */
  record(): unknown {
    const event = new ScannedEvent(this.text, this.pos, 0);
    this.fast = true;
    let seen = 0;
    this.pos++;
    if (!this.emptyObject()) {
      for (;;) {
        const key = this.key(RECORD_KEYS);
        if (key === EVENT && (seen & 1) === 0) {
          seen |= 1;
          this.eventName(event);
        } else if (key === PROPERTIES && (seen & 2) === 0) {
          seen |= 2;
          this.properties(event);
        } else {
          this.fast = false;
          this.value(0);
        }
        if (this.separator(CHAR.closeBrace)) break;
      }
    }
    event.end = this.pos;
    return this.fast && seen === 3 ? event : event.parse();
  }

  eventName(event: ScannedEvent): void {
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== CHAR.quote) {
      this.fast = false;
      this.value(0);
      return;
    }
    const start = this.pos;
    const length = this.string();
    event.nameStart = start;
    event.nameEnd = this.pos;
    const identity = this.which(start + 1, length, IDENTITY_EVENTS) < IDENTITY_EVENTS.length;
    if (this.escaped || length === 0 || length > SHORT_NAME || identity) this.fast = false;
  }

  properties(event: ScannedEvent): void {
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== CHAR.openBrace) {
      this.fast = false;
      this.value(0);
      return;
    }
    event.propsStart = this.pos;
    this.pos++;
    let members = 0;
    if (!this.emptyObject()) {
      for (;;) {
        this.special(event, this.key(SPECIAL_KEYS));
        members++;
        if (this.separator(CHAR.closeBrace)) break;
      }
    }
    if (members > MAX_PROPERTIES) this.fast = false;
    event.members = members;
    event.propsEnd = this.pos;
  }

  /** One member of properties, its key read: notes where a special field's value sits. */
  special(event: ScannedEvent, key: number): void {
    this.skipSpace();
    const start = this.pos;
    const c = this.text.charCodeAt(start);
    switch (key) {
      case TOKEN: {
        if (event.token !== undefined || c !== CHAR.quote) break;
        const length = this.string();
        // A token long enough to be cut is the slow path's to judge.
        if (this.escaped || (this.cutStrings && length > MAX_STRING_CHARS)) this.fast = false;
        event.token = this.text.slice(start + 1, this.pos - 1);
        return;
      }
      case TIME:
        if (event.timeStart !== -1 || !isNumberStart(c)) break;
        this.number();
        if (!this.plainNumber) this.fast = false;
        event.timeStart = start;
        event.timeEnd = this.pos;
        return;
      case DISTINCT_ID:
        if (event.distinctStart !== -1 || !(c === CHAR.quote || isNumberStart(c))) break;
        this.value(0);
        if (this.escaped || (c !== CHAR.quote && !this.plainNumber)) this.fast = false;
        event.distinctStart = start;
        event.distinctEnd = this.pos;
        event.distinctIsNumber = c !== CHAR.quote;
        return;
      case INSERT_ID:
        if (event.insertId !== undefined || c !== CHAR.quote) break;
        this.string();
        if (!this.escaped) event.insertId = this.text.slice(start + 1, this.pos - 1);
        else this.fast = false;
        return;
      case IP:
        if (event.hasIp) break;
        event.hasIp = true;
        this.value(0);
        return;
      case UNREAD:
        // A key the scan does not compare (escaped or long) could be any of the above.
        this.fast = false;
        break;
      default:
        this.value(0);
        return;
    }
    // A special field sent twice, or of a kind the slow path must judge.
    this.fast = false;
    this.value(0);
  }

  /**
   * A value inside properties, `level` containers deep (0: a property's own value). Every value is
   * validated; the fast shape ends where validate-properties.ts would cut or refuse something.
   */
  value(level: number): void {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    if (c === CHAR.quote) {
      const length = this.string();
      if (this.cutStrings && length > MAX_STRING_CHARS) this.fast = false;
      return;
    }
    this.escaped = false;
    if (c === CHAR.openBrace) {
      this.object(level + 1);
    } else if (c === CHAR.openBracket) {
      this.list(level + 1);
    } else if (isNumberStart(c)) {
      this.number();
      if (!this.plainNumber) this.fast = false;
    } else {
      this.literal(c);
    }
  }

  object(level: number): void {
    this.nested(level);
    this.pos++;
    if (this.emptyObject()) return;
    let members = 0;
    for (;;) {
      if (this.key(NO_NAMES) === UNREAD) this.fast = false;
      this.value(level);
      if (++members > MAX_PROPERTIES) this.fast = false;
      if (this.separator(CHAR.closeBrace)) return;
    }
  }

  list(level: number): void {
    this.nested(level);
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === CHAR.closeBracket) {
      this.pos++;
      return;
    }
    let items = 0;
    for (;;) {
      this.value(level);
      if (++items > MAX_LIST_ITEMS) this.fast = false;
      if (this.separator(CHAR.closeBracket)) return;
    }
  }

  nested(level: number): void {
    if (level > MAX_NESTING) this.fast = false;
    if (level > MAX_SCAN_DEPTH) throw NOT_JSON;
  }

  /** After `{`: true (and past it) when the object is empty. */
  emptyObject(): boolean {
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== CHAR.closeBrace) return false;
    this.pos++;
    return true;
  }

  /**
   * A member's key and its colon. Returns which of `names` the key is (compared in place: no string
   * is made per key), names.length for another short, plain key, or UNREAD when it holds escapes or
   * is long (it could then be anything).
   */
  key(names: readonly string[]): number {
    this.skipSpace();
    const start = this.pos + 1;
    if (this.text.charCodeAt(this.pos) !== CHAR.quote) throw NOT_JSON;
    const length = this.string();
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== CHAR.colon) throw NOT_JSON;
    this.pos++;
    if (this.escaped || length > SHORT_NAME) return UNREAD;
    return this.which(start, length, names);
  }

  /** Which of `names` the `length` characters at `start` spell, or names.length for none. */
  which(start: number, length: number, names: readonly string[]): number {
    const first = this.text.charCodeAt(start);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      // Length and first letter rule out most names without a call.
      if (name.length === length && name.charCodeAt(0) === first && this.text.startsWith(name, start))
        return i;
    }
    return names.length;
  }

  /** After a member or item: true past the closing `close`, false past a comma. */
  separator(close: number): boolean {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos++);
    if (c === close) return true;
    if (c === CHAR.comma) return false;
    throw NOT_JSON;
  }

  /** A string literal from its opening quote; returns its length as written, quotes excluded. */
  string(): number {
    const text = this.text;
    const start = ++this.pos;
    if (this.plainStrings) {
      const end = text.indexOf('"', start);
      if (end === -1) throw NOT_JSON;
      this.pos = end + 1;
      this.escaped = false;
      return end - start;
    }
    let p = start;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === CHAR.quote) break;
      if (c === CHAR.backslash) {
        escaped = true;
        p = this.escape(p + 1);
      } else if (c < 0x20 || Number.isNaN(c)) {
        throw NOT_JSON; // a raw control character, or the text ends inside the string
      } else {
        p++;
      }
    }
    this.pos = p + 1;
    this.escaped = escaped;
    return p - start;
  }

  /** The character after a backslash at `p`; returns the position after the escape. */
  escape(p: number): number {
    const c = this.text.charCodeAt(p);
    // " \ / b f n r t
    if (c === 34 || c === 92 || c === 47 || c === 98 || c === 102 || c === 110 || c === 114 || c === 116)
      return p + 1;
    if (c !== CHAR.lowerU) throw NOT_JSON;
    for (let i = 1; i <= 4; i++) if (!isHexDigit(this.text.charCodeAt(p + i))) throw NOT_JSON;
    return p + 5;
  }

  /** A number literal; sets `plainNumber`. */
  number(): void {
    const text = this.text;
    const start = this.pos;
    let p = start;
    if (text.charCodeAt(p) === CHAR.minus) p++;
    const first = text.charCodeAt(p);
    if (first === CHAR.zero) p++;
    else if (first > CHAR.zero && first <= CHAR.nine) p = digits(text, p);
    else throw NOT_JSON;
    let nonZero = first !== CHAR.zero;
    if (text.charCodeAt(p) === CHAR.dot) {
      const fraction = p + 1;
      p = digits(text, fraction);
      if (p === fraction) throw NOT_JSON;
      for (let i = fraction; i < p && !nonZero; i++) nonZero = text.charCodeAt(i) !== CHAR.zero;
    }
    const e = text.charCodeAt(p);
    let exponent = false;
    if (e === CHAR.lowerE || e === CHAR.upperE) {
      exponent = true;
      p++;
      const sign = text.charCodeAt(p);
      if (sign === CHAR.plus || sign === CHAR.minus) p++;
      const from = p;
      p = digits(text, p);
      if (p === from) throw NOT_JSON;
    }
    this.pos = p;
    // Exponents may overflow to Infinity (written back as null), -0 is written back as 0, and a
    // literal this long could overflow too: the slow path decides what they become.
    this.plainNumber = !exponent && p - start <= 300 && (nonZero || text.charCodeAt(start) !== CHAR.minus);
  }

  literal(c: number): void {
    const word =
      c === CHAR.lowerT ? "true" : c === CHAR.lowerF ? "false" : c === CHAR.lowerN ? "null" : undefined;
    if (word === undefined || !this.text.startsWith(word, this.pos)) throw NOT_JSON;
    this.pos += word.length;
  }

  skipSpace(): void {
    const text = this.text;
    let p = this.pos;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === CHAR.space || c === CHAR.newline || c === CHAR.cr || c === CHAR.tab) p++;
      else break;
    }
    this.pos = p;
  }
}

function digits(text: string, p: number): number {
  let at = p;
  for (;;) {
    const c = text.charCodeAt(at);
    // Written so that NaN (past the end of the text) stops it too.
    if (!(c >= CHAR.zero && c <= CHAR.nine)) return at;
    at++;
  }
}

function isNumberStart(c: number): boolean {
  return c === CHAR.minus || (c >= CHAR.zero && c <= CHAR.nine);
}

function isHexDigit(c: number): boolean {
  return (c >= CHAR.zero && c <= CHAR.nine) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
