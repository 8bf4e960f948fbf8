// The semantics table of spec/expressions.md as small pure functions over language values. The
// interpreter and the compiler both call these, so the two engines cannot disagree on what an
// operator or a function means; every function is total (never throws on any value).

import type { FunctionName } from "./ast.js";
import { formatLocal, MAX_DATETIME_SECONDS, utcSecondsOf, wallToEpochSeconds } from "./timezone.js";
import { DateTime, type EvalContext, type JsonObject, type Value } from "./value.js";

// ---- reading values ---------------------------------------------------------------------------

/** An own member of a JSON object; never reaches the prototype (`__proto__` is data). */
export function readMember(obj: JsonObject | undefined, key: string): Value {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** An event property as an accessor reads it: the `time` property is a datetime. */
export function readEventProperty(props: JsonObject, name: string): Value {
  const v = readMember(props, name);
  if (name === "time" && typeof v === "number") return makeDateTime(v);
  return v;
}

/** A datetime at these seconds (floored), or undefined outside the range a Date can show. */
export function makeDateTime(seconds: number): DateTime | undefined {
  if (!(Math.abs(seconds) <= MAX_DATETIME_SECONDS)) return undefined;
  return new DateTime(seconds);
}

function isObject(v: Value): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof DateTime);
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

// ---- the quantifier budget ---------------------------------------------------------------------

/**
 * How much any/all may run in one evaluation of an expression on one event. Each run of a predicate
 * costs its quantifier's weight (the predicate's length in the source), so the budget, the longest
 * expression the parser takes, lets quantifiers cost an event about what the largest expression
 * without them does. Without it nested quantifiers multiply: seven levels over ten-element lists
 * took seconds to compile (the optimiser folds constants by evaluating them), three over 255-element
 * lists would run 16 million predicates an event. A quantifier that runs out is undefined, and so is
 * any run after it on that event. Which ones those are follows the order an engine runs them in (the
 * compiler runs cheap operands first), so on an event past the budget the interpreter and the
 * compiled code may differ; within it they agree.
 */
export const QUANTIFIER_BUDGET = 65_536;

/** What is left of one event's budget; `row` lets the column evaluators of one batch share one per row. */
export interface QuantifierBudget {
  left: number;
  row: number;
}

export function quantifierBudget(): QuantifierBudget {
  return { left: QUANTIFIER_BUDGET, row: -1 };
}

// ---- arithmetic -------------------------------------------------------------------------------

export function add(a: Value, b: Value): Value {
  if (typeof a === "number") {
    if (typeof b === "number") return finite(a + b);
    if (b instanceof DateTime) return makeDateTime(b.seconds + a);
    return undefined;
  }
  if (typeof a === "string") return typeof b === "string" ? concat(a, b) : undefined;
  if (a instanceof DateTime && typeof b === "number") return makeDateTime(a.seconds + b);
  return undefined;
}

/**
 * The longest string `+` makes, in UTF-16 units: 16 Mi, sixteen times the largest event. Longer is
 * undefined, as a non-finite number is: past it a few hundred terms over 1 MB strings would reach
 * V8's limit (a RangeError, so a failed query) or hold half a gigabyte per row once compared.
 */
export const MAX_STRING_LENGTH = 1 << 24;

function concat(a: string, b: string): string | undefined {
  return a.length + b.length <= MAX_STRING_LENGTH ? a + b : undefined;
}

export function subtract(a: Value, b: Value): Value {
  if (typeof a === "number") return typeof b === "number" ? finite(a - b) : undefined;
  if (a instanceof DateTime) {
    if (typeof b === "number") return makeDateTime(a.seconds - b);
    if (b instanceof DateTime) return a.seconds - b.seconds;
  }
  return undefined;
}

export function multiply(a: Value, b: Value): Value {
  return typeof a === "number" && typeof b === "number" ? finite(a * b) : undefined;
}

export function divide(a: Value, b: Value): Value {
  if (typeof a !== "number" || typeof b !== "number" || b === 0) return undefined;
  return finite(a / b);
}

/** JavaScript's `%` already takes the dividend's sign, as the spec asks. */
export function remainder(a: Value, b: Value): Value {
  if (typeof a !== "number" || typeof b !== "number" || b === 0) return undefined;
  return finite(a % b);
}

export function negate(a: Value): Value {
  return typeof a === "number" ? -a : undefined;
}

// ---- logic ------------------------------------------------------------------------------------

/** How `and`, `or` and `where` read an operand: only `true` counts as true. */
export function isTrue(v: Value): boolean {
  return v === true;
}

/** Boolean negated; `not undefined` is true (an absent property is "not set"); else undefined. */
export function not(a: Value): boolean | undefined {
  if (typeof a === "boolean") return !a;
  return a === undefined ? true : undefined;
}

// ---- comparison -------------------------------------------------------------------------------

/** `==`: always a boolean; different kinds are unequal; lists and objects compare deeply. */
export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a instanceof DateTime) return b instanceof DateTime && a.seconds === b.seconds;
  if (Array.isArray(a)) return Array.isArray(b) && listsEqual(a, b);
  if (isObject(a)) return isObject(b) && objectsEqual(a, b);
  return false;
}

function listsEqual(a: readonly Value[], b: readonly Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i])) return false;
  return true;
}

// Key order is irrelevant: same own keys, equal members.
function objectsEqual(a: JsonObject, b: JsonObject): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !equals(a[k], b[k])) return false;
  return true;
}

/**
 * Orders two strings by code point. JavaScript's `<` orders UTF-16 units, which differs only when
 * a surrogate (part of a character above U+FFFF) meets a unit in U+E000-U+FFFF at the first
 * difference: lifting surrogates above that range gives code point order.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/** -1, 0 or 1 for two values `<` may compare, NaN for any other pair. */
function order(a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return Math.sign(compareCodePoints(a, b));
  if (a instanceof DateTime && b instanceof DateTime) return Math.sign(a.seconds - b.seconds);
  return Number.NaN;
}

export function less(a: Value, b: Value): boolean | undefined {
  const o = order(a, b);
  return Number.isNaN(o) ? undefined : o < 0;
}

export function lessEq(a: Value, b: Value): boolean | undefined {
  const o = order(a, b);
  return Number.isNaN(o) ? undefined : o <= 0;
}

export function greater(a: Value, b: Value): boolean | undefined {
  const o = order(a, b);
  return Number.isNaN(o) ? undefined : o > 0;
}

export function greaterEq(a: Value, b: Value): boolean | undefined {
  const o = order(a, b);
  return Number.isNaN(o) ? undefined : o >= 0;
}

/** `item in container`: substring of a string, or `==` to some element of a list. */
export function contains(item: Value, container: Value): boolean | undefined {
  if (typeof container === "string") return typeof item === "string" ? container.includes(item) : undefined;
  if (Array.isArray(container)) {
    for (const element of container) if (equals(item, element)) return true;
    return false;
  }
  return undefined;
}

/** `x[k]`: object member by string key, list element by integer index (negative from the end). */
export function index(target: Value, key: Value): Value {
  if (Array.isArray(target)) {
    if (typeof key !== "number" || !Number.isInteger(key)) return undefined;
    const at = key < 0 ? target.length + key : key;
    return at >= 0 && at < target.length ? target[at] : undefined;
  }
  if (isObject(target) && typeof key === "string") return readMember(target, key);
  return undefined;
}

// ---- conversions ------------------------------------------------------------------------------

// Decimal only: no hex, no "Infinity", no "NaN", at least one digit. Surrounding whitespace is
// allowed, as the spec says.
const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export function toNumber(v: Value): Value {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") return DECIMAL.test(v) ? finite(Number(v)) : undefined;
  if (v instanceof DateTime) return v.seconds;
  return undefined;
}

export function formatDateTime(v: DateTime, timeZone: string): string {
  return formatLocal(v.seconds, timeZone);
}

/** `string(a)`: null and undefined stay as they are; lists and objects become compact JSON. */
export function toStringValue(v: Value, timeZone: string): Value {
  if (v === undefined || v === null || typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof DateTime) return formatDateTime(v, timeZone);
  return JSON.stringify(v, (_key, member: unknown) =>
    member instanceof DateTime ? formatDateTime(member, timeZone) : member,
  );
}

export function toBoolean(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "" || v === "false") return false;
  return !(Array.isArray(v) && v.length === 0);
}

/** Numbers up to here are Unix seconds; larger ones are milliseconds. */
const LARGEST_SECONDS = 4294967295;

export function toDateTime(v: Value, timeZone: string): Value {
  if (v instanceof DateTime) return v;
  if (typeof v === "number") {
    if (!(v > 0)) return undefined;
    return makeDateTime(v <= LARGEST_SECONDS ? v : Math.floor(v / 1000));
  }
  if (typeof v === "string") return parseDateTime(v, timeZone);
  return undefined;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`; without a zone, local to the project. */
function parseDateTime(s: string, timeZone: string): DateTime | undefined {
  const m = DATE_TIME.exec(s);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = m[4] === undefined ? [0, 0, 0] : [Number(m[4]), Number(m[5]), Number(m[6])];
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = utcSecondsOf(year, month, day, hour, minute, second);
  const zone = m[7];
  if (zone === undefined) return makeDateTime(wallToEpochSeconds(wall, timeZone));
  if (zone === "Z") return makeDateTime(wall);
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (offsetHours * 3600 + offsetMinutes * 60) * (zone[0] === "-" ? -1 : 1);
  return makeDateTime(wall - offset);
}

/** Deepest nesting `list(string)` accepts, so no value is too deep to compare or print. */
export const MAX_JSON_DEPTH = 256;

/**
 * A string holding a JSON array: that array. Undefined when it nests deeper than MAX_JSON_DEPTH, or
 * holds a number JSON.parse made infinite (`1e400`): the language has no non-finite numbers.
 */
export function toList(v: Value): Value {
  if (Array.isArray(v)) return v;
  if (typeof v !== "string" || !v.trimStart().startsWith("[")) return undefined;
  const parsed = parseJson(v);
  return Array.isArray(parsed) && languageValue(parsed, MAX_JSON_DEPTH) ? (parsed as Value[]) : undefined;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

// Iterative, so a maliciously deep string cannot overflow the stack while being measured.
function languageValue(root: unknown, depthLimit: number): boolean {
  const pending: [unknown, number][] = [[root, 1]];
  while (pending.length > 0) {
    const [v, depth] = pending.pop()!;
    if (typeof v === "number" && !Number.isFinite(v)) return false;
    if (typeof v !== "object" || v === null) continue;
    if (depth > depthLimit) return false;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return true;
}

// ---- functions on strings and numbers ---------------------------------------------------------

export function hasPrefix(s: Value, p: Value): Value {
  return typeof s === "string" && typeof p === "string" ? s.startsWith(p) : undefined;
}

export function hasSuffix(s: Value, p: Value): Value {
  return typeof s === "string" && typeof p === "string" ? s.endsWith(p) : undefined;
}

export function lower(s: Value): Value {
  return typeof s === "string" ? s.toLowerCase() : undefined;
}

export function upper(s: Value): Value {
  return typeof s === "string" ? s.toUpperCase() : undefined;
}

/** Length in code points (`len("😀")` is 1), or of a list. */
export function len(v: Value): Value {
  if (Array.isArray(v)) return v.length;
  if (typeof v !== "string") return undefined;
  let pairs = 0;
  for (let i = 0; i < v.length; i++) {
    const unit = v.charCodeAt(i);
    if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < v.length) {
      const next = v.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        pairs++;
        i++;
      }
    }
  }
  return v.length - pairs;
}

export function floor(v: Value): Value {
  return typeof v === "number" ? Math.floor(v) : undefined;
}

export function ceil(v: Value): Value {
  return typeof v === "number" ? Math.ceil(v) : undefined;
}

/** Half away from zero: Math.round alone rounds -2.5 to -2. */
export function round(v: Value): Value {
  if (typeof v !== "number") return undefined;
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** True unless undefined or null. */
export function defined(v: Value): boolean {
  return v !== undefined && v !== null;
}

/** Applies a built-in function to evaluated arguments (the parser has checked their number). */
export function callFunction(fn: FunctionName, args: readonly Value[], ctx: EvalContext): Value {
  switch (fn) {
    case "floor":
      return floor(args[0]);
    case "ceil":
      return ceil(args[0]);
    case "round":
      return round(args[0]);
    case "defined":
      return defined(args[0]);
    case "number":
      return toNumber(args[0]);
    case "string":
      return toStringValue(args[0], ctx.timeZone);
    case "boolean":
      return toBoolean(args[0]);
    case "datetime":
      return toDateTime(args[0], ctx.timeZone);
    case "list":
      return toList(args[0]);
    case "has_prefix":
      return hasPrefix(args[0], args[1]);
    case "has_suffix":
      return hasSuffix(args[0], args[1]);
    case "lower":
      return lower(args[0]);
    case "upper":
      return upper(args[0]);
    case "len":
      return len(args[0]);
  }
}

// ---- results ----------------------------------------------------------------------------------

/** How `on` names the segment of one value: strings as they are, the rest by `string()`. */
export function segmentKey(v: Value, timeZone: string): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  return toStringValue(v, timeZone) as string;
}

/** The segments an `on` value puts an event in: one, or one per distinct element of a list. */
export function segmentKeys(v: Value, timeZone: string): string[] {
  if (!Array.isArray(v)) return [segmentKey(v, timeZone)];
  const keys = new Set<string>();
  for (const element of v) keys.add(segmentKey(element, timeZone));
  return [...keys];
}
