// Turns expression text into tokens in one pass, decoding numbers and string escapes on the way.
// Keywords are recognised here (case-insensitively); whether a word is an accessor, a function or a
// bound name is the parser's business.

import { ExprError } from "./errors.js";

export type Keyword = "and" | "or" | "not" | "in" | "true" | "false";

export type Punct =
  | "("
  | ")"
  | "["
  | "]"
  | ","
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">=";

export type Token =
  | { readonly type: "number"; readonly value: number; readonly start: number; readonly end: number }
  | { readonly type: "string"; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: "word"; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: "keyword"; readonly keyword: Keyword; readonly start: number; readonly end: number }
  | { readonly type: "punct"; readonly punct: Punct; readonly start: number; readonly end: number }
  | { readonly type: "end"; readonly start: number; readonly end: number };

const KEYWORDS: ReadonlySet<string> = new Set(["and", "or", "not", "in", "true", "false"]);

const TWO_CHAR: ReadonlySet<string> = new Set(["==", "!=", "<=", ">="]);
const ONE_CHAR: ReadonlySet<string> = new Set(["(", ")", "[", "]", ",", "+", "-", "*", "/", "%", "<", ">"]);

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
// Digits with an optional fraction, or a bare fraction; then an optional exponent.
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
// What may not follow a number directly: `12abc`, `1e`, `0x1`, `1.2.3`.
const NUMBER_TAIL = /[A-Za-z0-9_.]/y;

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["'", "'"],
  ["\\", "\\"],
  ["n", "\n"],
  ["t", "\t"],
]);

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

function quoteChar(source: string, at: number): string {
  const c = String.fromCodePoint(source.codePointAt(at)!);
  return JSON.stringify(c);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (isSpace(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      const token = readString(source, i);
      tokens.push(token);
      i = token.end;
    } else if ((c >= "0" && c <= "9") || (c === "." && /[0-9]/.test(source[i + 1] ?? ""))) {
      const token = readNumber(source, i);
      tokens.push(token);
      i = token.end;
    } else if (/[A-Za-z_]/.test(c)) {
      WORD.lastIndex = i;
      const text = WORD.exec(source)![0];
      const lower = text.toLowerCase();
      const end = i + text.length;
      tokens.push(
        KEYWORDS.has(lower)
          ? { type: "keyword", keyword: lower as Keyword, start: i, end }
          : { type: "word", text, start: i, end },
      );
      i = end;
    } else {
      const two = source.slice(i, i + 2);
      const punct = TWO_CHAR.has(two) ? two : ONE_CHAR.has(c) ? c : undefined;
      if (punct === undefined) throw new ExprError(`unexpected character ${quoteChar(source, i)}`, source, i);
      tokens.push({ type: "punct", punct: punct as Punct, start: i, end: i + punct.length });
      i += punct.length;
    }
  }
  tokens.push({ type: "end", start: source.length, end: source.length });
  return tokens;
}

function readNumber(source: string, start: number): Token {
  NUMBER.lastIndex = start;
  const text = NUMBER.exec(source)![0];
  const end = start + text.length;
  NUMBER_TAIL.lastIndex = end;
  if (NUMBER_TAIL.test(source)) throw new ExprError("malformed number", source, start);
  const value = Number(text);
  if (!Number.isFinite(value))
    throw new ExprError(
      `number ${text.length > 24 ? `${text.slice(0, 24)}…` : text} is too large`,
      source,
      start,
    );
  return { type: "number", value, start, end };
}

function readString(source: string, start: number): Token {
  const quote = source[start];
  let value = "";
  let i = start + 1;
  let runStart = i;
  while (i < source.length) {
    const c = source[i];
    if (c === quote) {
      value += source.slice(runStart, i);
      return { type: "string", value, start, end: i + 1 };
    }
    if (c !== "\\") {
      i++;
      continue;
    }
    value += source.slice(runStart, i) + readEscape(source, i);
    i += source[i + 1] === "u" ? 6 : 2;
    runStart = i;
  }
  throw new ExprError("unterminated string", source, start);
}

/** The character a backslash sequence at `at` stands for. */
function readEscape(source: string, at: number): string {
  const c = source[at + 1];
  if (c === undefined) throw new ExprError("unterminated string", source, at);
  const simple = ESCAPES.get(c);
  if (simple !== undefined) return simple;
  if (c === "u") {
    const hex = source.slice(at + 2, at + 6);
    if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new ExprError("\\u needs four hex digits", source, at);
    return String.fromCharCode(Number.parseInt(hex, 16));
  }
  throw new ExprError(`invalid escape "\\${String.fromCodePoint(source.codePointAt(at + 1)!)}"`, source, at);
}
