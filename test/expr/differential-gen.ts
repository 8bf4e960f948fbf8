// Seeded random expressions and events for the differential test. Expressions are written as source
// text, so every one is a tree the parser really produces (names bound, arities right); operands are
// drawn with a bias towards the types an operator wants, so both well-typed and ill-typed
// expressions come out. Events hold properties of every JSON kind, some keys steady in kind (so
// columns take their fast paths) and some mixed (so they take the tag dispatch).

import type { FunctionName } from "../../src/expr/ast.js";
import type { JsonObject, Value } from "../../src/expr/value.js";

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const STRINGS = [
  "DE",
  "FR",
  "IT",
  "",
  "10",
  " 3 ",
  "12abc",
  "abc",
  "2024-01-02",
  "[1, 2]",
  "false",
  "héllo",
  "😀",
  'a"b',
  "Ab",
];
const KEYS = ["c", "n", "q", "m", "l", "o", "s", "time", "absent"];
const USER_KEYS = ["plan", "seats"];
const HELD = ["DE", "FR", "IT", "1", "3", "x", "pro"];
/** The NOW of the queries the differential test runs. */
export const NOW = 1_700_100_000;

function anyValue(r: Random, depth = 0): Value {
  switch (r.int(depth > 1 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.int(80) - 10;
    case 3:
      return r.pick([0.5, -2.5, 1e21, 3, 60, 1.7e9]);
    case 4:
    case 5:
      return r.pick(STRINGS);
    case 6:
      return Array.from({ length: r.int(4) }, () => anyValue(r, depth + 1));
    default: {
      const o: Record<string, Value> = {};
      for (const k of ["k", "c", "n"].slice(0, r.int(4))) o[k] = anyValue(r, depth + 1);
      return o;
    }
  }
}

/**
 * One event: `c` a country, `n` a number, `s` digits as text, the rest anything. With `steady`
 * those three keep their kind (or are absent), so their columns hold one kind only; otherwise one
 * row in ten holds anything. Times fall in the 300 seconds before NOW.
 */
export function randomEvent(r: Random, steady = false): { properties: JsonObject; user?: JsonObject } {
  const odd = steady ? 0 : 0.1;
  const p: Record<string, Value> = {};
  if (r.chance(0.9)) p.c = r.chance(odd) ? anyValue(r) : r.pick(["DE", "FR", "IT", "ES"]);
  if (r.chance(0.9)) p.n = r.chance(odd) ? anyValue(r) : r.int(100) - 20 + r.pick([0, 0, 0.5]);
  if (r.chance(0.7)) p.q = r.chance(odd) ? anyValue(r) : r.pick([0, 1, 2, 3, -4, 0.5, 1e300, 7]);
  if (r.chance(0.8)) p.m = anyValue(r);
  if (r.chance(0.7))
    p.l = r.chance(0.8) ? Array.from({ length: r.int(4) }, () => anyValue(r, 1)) : anyValue(r);
  if (r.chance(0.5)) p.o = anyValue(r);
  if (r.chance(0.8)) p.s = r.chance(odd * 2) ? anyValue(r) : r.pick(["1", "3", " 4 ", "7", "x", "3.5"]);
  if (r.chance(0.9)) p.time = NOW - r.int(300) + r.pick([0, 0.25, 0.75]);
  if (!r.chance(0.7)) return { properties: p };
  const u: Record<string, Value> = {};
  if (r.chance(0.8)) u.plan = r.chance(odd * 2) ? anyValue(r) : r.pick(["free", "pro"]);
  if (r.chance(0.6)) u.seats = r.chance(odd * 2) ? anyValue(r) : r.int(10);
  return { properties: p, user: u };
}

/** A string literal of the expression language. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const FUNCTIONS: readonly FunctionName[] = [
  "floor",
  "ceil",
  "round",
  "defined",
  "number",
  "string",
  "boolean",
  "datetime",
  "list",
  "has_prefix",
  "has_suffix",
  "lower",
  "upper",
  "len",
];
const ARITHMETIC = ["+", "-", "*", "/", "%"];
const COMPARISONS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"];

/** Random expression source; `names` are the any/all names in scope. */
export function randomExpr(r: Random, depth: number, names: readonly string[] = []): string {
  if (depth <= 0 || r.chance(0.2)) return leaf(r, names);
  switch (r.int(12)) {
    case 0:
    case 1:
      return `(${randomExpr(r, depth - 1, names)}) ${r.pick(ARITHMETIC)} (${randomExpr(r, depth - 1, names)})`;
    case 2:
    case 3:
      return comparison(r, depth, names);
    case 4: {
      const n = 2 + r.int(3);
      const parts = Array.from({ length: n }, () => `(${randomExpr(r, depth - 1, names)})`);
      return parts.join(r.chance(0.5) ? " and " : " or ");
    }
    case 5:
      return `${r.pick(["not ", "-"])}(${randomExpr(r, depth - 1, names)})`;
    case 6:
    case 7:
      return call(r, depth, names);
    case 8:
      return `(${randomExpr(r, depth - 1, names)})[${r.chance(0.5) ? quote(r.pick(["k", "c", "n"])) : String(r.int(5) - 2)}]`;
    case 9: {
      const name = r.pick(["x", "y", "e"]);
      const list = r.chance(0.7) ? property(r) : randomExpr(r, depth - 1, names);
      const predicate = randomExpr(r, depth - 1, [...names, name]);
      return `${r.pick(["any", "all"])}(${name}, ${list}, ${predicate})`;
    }
    case 10:
      return `(${property(r)}) ${r.pick(["in", "not in"])} [${literalList(r)}]`;
    default:
      return `(${property(r)}) ${r.pick(COMPARISONS)} (${leaf(r, names)})`;
  }
}

function comparison(r: Random, depth: number, names: readonly string[]): string {
  return `(${randomExpr(r, depth - 1, names)}) ${r.pick(COMPARISONS)} (${randomExpr(r, depth - 1, names)})`;
}

function call(r: Random, depth: number, names: readonly string[]): string {
  const fn = r.pick(FUNCTIONS);
  const arg = () => (r.chance(0.5) ? property(r) : randomExpr(r, depth - 1, names));
  const args = fn === "has_prefix" || fn === "has_suffix" ? [arg(), quote(r.pick(STRINGS))] : [arg()];
  if (fn === "datetime" && r.chance(0.4)) return `datetime(NOW - ${r.int(300)})`;
  return `${fn}(${args.join(", ")})`;
}

function property(r: Random): string {
  if (r.chance(0.15)) return `user[${quote(r.pick(USER_KEYS))}]`;
  return `${r.pick(["properties", "properties", "event"])}[${quote(r.pick(KEYS))}]`;
}

function literal(r: Random): string {
  switch (r.int(5)) {
    case 0:
      return String(r.int(80) - 10);
    case 1:
      return r.pick(["0.5", "2.5", "3", "50", "1e3"]);
    case 2:
    case 3:
      return quote(r.pick(STRINGS));
    default:
      return r.pick(["true", "false"]);
  }
}

function literalList(r: Random): string {
  return Array.from({ length: r.int(5) }, () => (r.chance(0.1) ? `[${literal(r)}]` : literal(r))).join(", ");
}

function leaf(r: Random, names: readonly string[]): string {
  const k = r.int(10);
  if (names.length > 0 && k < 3) return r.pick(names);
  if (k < 6) return property(r);
  if (k === 6)
    return r.chance(0.5) ? "NOW" : `datetime(${quote(r.pick(["2023-11-14", "2023-11-15T10:00:00Z"]))})`;
  if (k === 7) return `[${literalList(r)}]`;
  return literal(r);
}

/**
 * A filter-shaped expression, the kind a `where` holds: comparisons of properties with literals,
 * set lookups, prefix tests and time windows under and/or/not, now and then around any expression.
 */
export function randomPredicate(r: Random, depth: number): string {
  if (depth > 0 && r.chance(0.45)) {
    const n = 2 + r.int(3);
    const parts = Array.from({ length: n }, () => `(${randomPredicate(r, depth - 1)})`);
    const joined = parts.join(r.chance(0.6) ? " and " : " or ");
    return r.chance(0.15) ? `not (${joined})` : joined;
  }
  switch (r.int(10)) {
    case 0:
    case 1:
      return `${property(r)} ${r.pick(["==", "!=", "==", "<", ">="])} ${literal(r)}`;
    case 9:
      return `${numeric(r, 2)} ${r.pick(["<", "<=", ">", ">="])} ${numeric(r, 2)}`;
    case 2:
      return `${property(r)} ${r.pick(["==", "!="])} ${quote(r.pick(["DE", "FR", "IT", "pro", "3", "x"]))}`;
    case 3:
      return `${r.pick(["number(", "floor(", "("])}${property(r)}) ${r.pick(["<", ">", "==", ">="])} ${r.int(60)}`;
    case 4: {
      // Strings the steady columns hold, so set lookups split a segment's dictionary.
      const held = Array.from({ length: 1 + r.int(3) }, () => quote(r.pick(HELD)));
      const more = literalList(r);
      const items = more === "" ? held : [...held, more];
      return `${property(r)} ${r.pick(["in", "not in"])} [${items.join(", ")}]`;
    }
    case 5:
      return `properties["time"] ${r.pick(["<", "<=", ">", ">=", "==", "!="])} datetime(NOW - ${r.int(300)})`;
    case 6:
      return `${r.pick(["has_prefix", "has_suffix"])}(${property(r)}, ${quote(r.pick(["D", "E", "", "1", "x"]))})`;
    case 7:
      return `${r.pick(["defined", "boolean", "not "])}(${property(r)})`;
    default:
      return randomExpr(r, 2);
  }
}

/** Arithmetic over the numeric properties (`1e300 * 1e300` overflows to undefined). */
function numeric(r: Random, depth: number): string {
  if (depth <= 0 || r.chance(0.3)) {
    const k = r.int(6);
    if (k < 3) return `properties[${quote(r.pick(["n", "q", "q", "m"]))}]`;
    if (k === 3) return `user["seats"]`;
    return r.pick(["0", "2", "1e300", "0.5"]);
  }
  switch (r.int(4)) {
    case 0:
      return `-(${numeric(r, depth - 1)})`;
    case 1:
      return `${r.pick(["floor", "ceil", "round"])}(${numeric(r, depth - 1)})`;
    default:
      return `(${numeric(r, depth - 1)} ${r.pick(ARITHMETIC)} ${numeric(r, depth - 1)})`;
  }
}
