// The one kind of error a malformed expression produces: what is wrong, where (1-based line and
// column, counted in characters), and the source line excerpted with a caret under the place, the
// way clox reports a syntax error. The API maps it to a 400; the CLI prints `format()`.

/** Widest excerpt shown: long one-line expressions are cut to a window around the position. */
const EXCERPT_WIDTH = 72;
const EXCERPT_LEAD = 32;

export class ExprError extends Error {
  /** The problem without its place, e.g. `unexpected ")"`. */
  readonly problem: string;
  /** Offset into the source string (UTF-16 units, like a Span). */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** The source line holding the position (or a window of it). */
  readonly excerpt: string;
  /** Spaces and a `^` under the position in `excerpt`. */
  readonly caret: string;

  constructor(problem: string, source: string, offset: number) {
    const place = locate(source, offset);
    super(`${problem} at ${place.line}:${place.column}`);
    this.name = "ExprError";
    this.problem = problem;
    this.offset = offset;
    this.line = place.line;
    this.column = place.column;
    const view = excerptAround(place.lineText, place.column - 1);
    this.excerpt = view.text;
    this.caret = `${" ".repeat(view.caretAt)}^`;
  }

  /** The message, then the excerpt, then the caret line: what a person should see. */
  format(): string {
    return `${this.message}\n${this.excerpt}\n${this.caret}`;
  }
}

interface Place {
  line: number;
  column: number;
  /** The line's characters (code points), so a column indexes it directly. */
  lineText: string[];
}

function locate(source: string, offset: number): Place {
  const at = Math.max(0, Math.min(offset, source.length));
  const lineStart = source.lastIndexOf("\n", at - 1) + 1;
  let line = 1;
  for (let i = source.indexOf("\n"); i !== -1 && i < lineStart; i = source.indexOf("\n", i + 1)) line++;
  const lineEndAt = source.indexOf("\n", at);
  const lineEnd = lineEndAt === -1 ? source.length : lineEndAt;
  const before = Array.from(source.slice(lineStart, at));
  const lineText = Array.from(source.slice(lineStart, lineEnd));
  return { line, column: before.length + 1, lineText };
}

// Control characters (tabs included) become spaces so the caret stays under its character.
function printable(chars: string[]): string {
  return chars.map((c) => (c < " " || c === "\u007f" ? " " : c)).join("");
}

function excerptAround(chars: string[], index: number): { text: string; caretAt: number } {
  if (chars.length <= EXCERPT_WIDTH) return { text: printable(chars), caretAt: index };
  const start = Math.max(0, Math.min(index - EXCERPT_LEAD, chars.length - EXCERPT_WIDTH));
  const end = Math.min(chars.length, start + EXCERPT_WIDTH);
  const head = start > 0 ? "…" : "";
  const tail = end < chars.length ? "…" : "";
  return { text: head + printable(chars.slice(start, end)) + tail, caretAt: index - start + head.length };
}
