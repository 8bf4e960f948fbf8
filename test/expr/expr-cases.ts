// Loads the shared expression cases (a copy of spec/expr-cases.json kept in test/fixtures) and
// decodes their expectations, so every engine runs the very same cases.
import { readFileSync } from "node:fs";
import { DateTime, type JsonObject, type Value } from "../../src/expr/value.js";

export type Expectation = { readonly error: true } | { readonly error: false; readonly value: Value };

export interface ExprCase {
  readonly id: string;
  readonly expr: string;
  readonly expect: Expectation;
}

interface RawCases {
  properties: JsonObject;
  cases: { id: string; expr: string; expect: unknown }[];
}

function decodeExpectation(raw: unknown): Expectation {
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const r = raw as Record<string, unknown>;
    if (r.$error === true) return { error: true };
    if (r.$undefined === true) return { error: false, value: undefined };
    if (typeof r.$datetime === "string") {
      return { error: false, value: new DateTime(Date.parse(r.$datetime) / 1000) };
    }
  }
  return { error: false, value: raw as Value };
}

export function loadExprCases(): { properties: JsonObject; cases: ExprCase[] } {
  const url = new URL("../fixtures/expr-cases.json", import.meta.url);
  const raw = JSON.parse(readFileSync(url, "utf8")) as RawCases;
  return {
    properties: raw.properties,
    cases: raw.cases.map((c) => ({ id: c.id, expr: c.expr, expect: decodeExpectation(c.expect) })),
  };
}

/** Deep equality of language values, telling undefined from null and comparing datetimes by second. */
export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (a instanceof DateTime || b instanceof DateTime) {
    return a instanceof DateTime && b instanceof DateTime && a.seconds === b.seconds;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameValue(x, b[i]));
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => kb[i] === k && sameValue((a as JsonObject)[k], (b as JsonObject)[k]));
}
