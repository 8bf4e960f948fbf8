// Seeded fuzzing of the parser: random text, random token soup and mutations of the shared cases.
// Whatever comes in, parse returns a tree or throws ExprError, quickly, and the interpreter never
// throws on a tree the parser accepted. The seed is fixed, so a failure reproduces.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExprError } from "../../src/expr/errors.js";
import { evaluate } from "../../src/expr/interpret.js";
import { parse } from "../../src/expr/parser.js";
import { seededRandom } from "../seeded-random.js";
import { loadExprCases } from "./expr-cases.js";

const CHARS = Array.from(`()[],+-*/%<>=!"'\\ \n\t.0123456789eEaxyz_Nu😀é{}@#`);
const TOKENS = [
  "(",
  ")",
  "[",
  "]",
  ",",
  "+",
  "-",
  "*",
  "/",
  "%",
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "and",
  "OR",
  "not",
  "in",
  "true",
  "False",
  "NOW",
  "x",
  "y",
  "1",
  ".5",
  "1e3",
  "1e999",
  '"s"',
  "'t'",
  '"\\u00e9"',
  '"\\q"',
  'properties["n"]',
  'event["s"]',
  'user["k"]',
  "properties",
  "floor(",
  "len(",
  "has_prefix(",
  "any(x,",
  "all(y,",
  "datetime(",
  "string(",
  "list(",
  '"',
  "\\",
];

const { properties, cases } = loadExprCases();
const SLOWEST_PARSE_MS = 50;

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function randomText(rand: () => number): string {
  const n = Math.floor(rand() * 40);
  let s = "";
  for (let i = 0; i < n; i++) s += pick(rand, CHARS);
  return s;
}

function randomTokens(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 30);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(pick(rand, TOKENS));
  return parts.join(rand() < 0.5 ? " " : "");
}

function mutate(rand: () => number, source: string): string {
  let s = source;
  const edits = 1 + Math.floor(rand() * 3);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(rand() * (s.length + 1));
    const j = Math.min(s.length, i + Math.floor(rand() * 6));
    switch (Math.floor(rand() * 4)) {
      case 0:
        s = s.slice(0, i) + s.slice(j);
        break;
      case 1:
        s = s.slice(0, i) + pick(rand, TOKENS) + s.slice(i);
        break;
      case 2:
        s = s.slice(0, i) + pick(rand, CHARS) + s.slice(j);
        break;
      default:
        s = s.slice(0, j) + s.slice(i, j) + s.slice(j);
    }
  }
  return s;
}

/** Parses and, when accepted, evaluates; returns the parse time in ms. Fails on any other throw. */
function check(source: string): number {
  const started = performance.now();
  let tree: ReturnType<typeof parse> | undefined;
  try {
    tree = parse(source);
  } catch (err) {
    if (!(err instanceof ExprError)) assert.fail(`${JSON.stringify(source)} threw ${String(err)}`);
    assert.match(err.message, / at \d+:\d+$/);
  }
  const elapsed = performance.now() - started;
  if (tree !== undefined)
    evaluate(tree, { properties, user: properties }, { now: 1e9, timeZone: "Europe/Berlin" });
  return elapsed;
}

describe("parser fuzzing", () => {
  it("returns a tree or an ExprError for 1,500 random strings", () => {
    const rand = seededRandom(0x7a11);
    let slowest = 0;
    for (let i = 0; i < 1500; i++) slowest = Math.max(slowest, check(randomText(rand)));
    assert.ok(slowest < SLOWEST_PARSE_MS, `slowest parse took ${slowest} ms`);
  });

  it("returns a tree or an ExprError for 1,500 random token sequences", () => {
    const rand = seededRandom(0xbeef);
    let slowest = 0;
    for (let i = 0; i < 1500; i++) slowest = Math.max(slowest, check(randomTokens(rand)));
    assert.ok(slowest < SLOWEST_PARSE_MS, `slowest parse took ${slowest} ms`);
  });

  it("returns a tree or an ExprError for 2,000 mutations of the shared cases", () => {
    const rand = seededRandom(0xc0ffee);
    let slowest = 0;
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const source = mutate(rand, pick(rand, cases).expr);
      slowest = Math.max(slowest, check(source));
      try {
        parse(source);
        accepted++;
      } catch {
        // counted only to show the mutations reach past the first token
      }
    }
    assert.ok(slowest < SLOWEST_PARSE_MS, `slowest parse took ${slowest} ms`);
    assert.ok(accepted > 100, `only ${accepted} mutations parsed: the fuzzer is not reaching the evaluator`);
  });

  it("rejects 64 KiB pathological inputs quickly and cleanly", () => {
    const full = (unit: string) => unit.repeat(Math.floor(65536 / Buffer.byteLength(unit)));
    const inputs = [
      "(",
      "[",
      "-",
      "not ",
      "1",
      ".",
      "\\",
      '"\\',
      "floor(",
      "any(x,",
      "x[",
      "😀",
      "1+",
      "[1,",
    ].map(full);
    inputs.push(`"${"a".repeat(65534)}`, `1e${"9".repeat(65534)}`, `${"[".repeat(256)}${"]".repeat(255)}`);
    for (const source of inputs) {
      assert.throws(() => parse(source), ExprError, source.slice(0, 10));
      const ms = check(source);
      assert.ok(ms < SLOWEST_PARSE_MS * 4, `${JSON.stringify(source.slice(0, 10))}… took ${ms} ms`);
    }
  });
});
