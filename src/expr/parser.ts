// Recursive descent over the grammar of spec/expressions.md, one method per rule. It only builds the
// tree: names, functions, accessors and argument counts are checked here, so a tree that comes out
// is well-formed and every later pass may trust it.
//
// Recursion is bounded: every construct that nests (parentheses, lists, call arguments, prefix
// `-`/`not`, postfix `[k]`) counts against MAX_NESTING, and chains of binary operators are built
// in loops, left-deep, so a 64 KiB `1+1+…` cannot overflow the stack.

import {
  type ArithmeticOp,
  type ComparisonOp,
  type ExprNode,
  FUNCTION_ARITY,
  isFunctionName,
  type LogicalNode,
  type Span,
} from "./ast.js";
import { ExprError } from "./errors.js";
import { type Punct, type Token, tokenize } from "./lexer.js";

/** Longest expression accepted, in bytes of UTF-8. */
export const MAX_SOURCE_BYTES = 65536;
/** Deepest nesting accepted (see the file comment for what nests). */
export const MAX_NESTING = 256;

const ACCESSORS: ReadonlyMap<string, "properties" | "user"> = new Map([
  ["properties", "properties"],
  ["event", "properties"],
  ["user", "user"],
]);

const COMPARISONS: ReadonlySet<Punct> = new Set(["==", "!=", "<", "<=", ">", ">="]);

/** Parses one expression, or throws ExprError naming the problem and its place. */
export function parse(source: string): ExprNode {
  // A string's UTF-8 is never shorter than its UTF-16 length, so most oversized input fails fast.
  if (source.length > MAX_SOURCE_BYTES || Buffer.byteLength(source, "utf8") > MAX_SOURCE_BYTES) {
    throw new ExprError(`expression is longer than ${MAX_SOURCE_BYTES} bytes`, source, 0);
  }
  return new Parser(source, tokenize(source)).whole();
}

function span(start: number, end: number): Span {
  return { start, end };
}

/** Source text in quotes, cut short so a message stays one readable line. */
function quoted(text: string): string {
  return `"${text.length > 24 ? `${text.slice(0, 24)}…` : text}"`;
}

function describe(token: Token, source: string): string {
  if (token.type === "end") return "end of expression";
  if (token.type === "string") return "string";
  return quoted(source.slice(token.start, token.end));
}

class Parser {
  private pos = 0;
  private depth = 0;
  /** Names bound by the enclosing any/all, innermost last. */
  private readonly scope: string[] = [];

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  whole(): ExprNode {
    const node = this.expression();
    if (this.peek().type !== "end") throw this.unexpected();
    return node;
  }

  // ---- token helpers ----

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== "end") this.pos++;
    return t;
  }

  private isPunct(p: Punct, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type === "punct" && t.punct === p;
  }

  private isKeyword(k: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type === "keyword" && t.keyword === k;
  }

  private expect(p: Punct): Token {
    if (!this.isPunct(p)) throw this.error(`expected "${p}" but found ${describe(this.peek(), this.source)}`);
    return this.next();
  }

  private error(problem: string, at = this.peek().start): ExprError {
    return new ExprError(problem, this.source, at);
  }

  private unexpected(): ExprError {
    return this.error(`unexpected ${describe(this.peek(), this.source)}`);
  }

  private enter(at: Token): void {
    if (++this.depth > MAX_NESTING) throw this.error(`nesting deeper than ${MAX_NESTING}`, at.start);
  }

  // ---- grammar ----

  private expression(): ExprNode {
    return this.logical("or");
  }

  /** `or` over `and` over `not`: each chain becomes one n-ary node, built in a loop. */
  private logical(op: "and" | "or"): ExprNode {
    const operand = () => (op === "or" ? this.logical("and") : this.not());
    const operands: ExprNode[] = [];
    const absorb = (node: ExprNode) => {
      if (node.kind === "logical" && node.op === op) operands.push(...node.operands);
      else operands.push(node);
    };
    absorb(operand());
    while (this.isKeyword(op)) {
      this.next();
      absorb(operand());
    }
    if (operands.length === 1) return operands[0];
    const node: LogicalNode = {
      kind: "logical",
      op,
      operands,
      span: span(operands[0].span.start, operands[operands.length - 1].span.end),
    };
    return Object.freeze(node);
  }

  private not(): ExprNode {
    if (!this.isKeyword("not")) return this.compare();
    const token = this.next();
    this.enter(token);
    const operand = this.not();
    this.depth--;
    return Object.freeze({ kind: "unary", op: "not", operand, span: span(token.start, operand.span.end) });
  }

  private comparisonOp(): ComparisonOp | undefined {
    const t = this.peek();
    if (t.type === "punct" && COMPARISONS.has(t.punct)) return t.punct as ComparisonOp;
    if (this.isKeyword("in")) return "in";
    if (this.isKeyword("not") && this.isKeyword("in", 1)) return "not in";
    return undefined;
  }

  private compare(): ExprNode {
    const left = this.additive();
    const op = this.comparisonOp();
    if (op === undefined) return left;
    this.next();
    if (op === "not in") this.next();
    const right = this.additive();
    if (this.comparisonOp() !== undefined) {
      throw this.error(`comparisons do not chain: use "and" between them`);
    }
    return Object.freeze({ kind: "binary", op, left, right, span: span(left.span.start, right.span.end) });
  }

  private additive(): ExprNode {
    return this.binaryChain(["+", "-"], () => this.multiplicative());
  }

  private multiplicative(): ExprNode {
    return this.binaryChain(["*", "/", "%"], () => this.unary());
  }

  /** Left-deep chain of one precedence level, in a loop: chains are not nesting. */
  private binaryChain(ops: readonly ArithmeticOp[], operand: () => ExprNode): ExprNode {
    let left = operand();
    for (;;) {
      const t = this.peek();
      if (t.type !== "punct" || !(ops as readonly string[]).includes(t.punct)) return left;
      this.next();
      const right = operand();
      const op = t.punct as ArithmeticOp;
      left = Object.freeze({ kind: "binary", op, left, right, span: span(left.span.start, right.span.end) });
    }
  }

  private unary(): ExprNode {
    if (!this.isPunct("-")) return this.postfix();
    const token = this.next();
    this.enter(token);
    const operand = this.unary();
    this.depth--;
    return Object.freeze({ kind: "unary", op: "-", operand, span: span(token.start, operand.span.end) });
  }

  private postfix(): ExprNode {
    let target = this.primary();
    const outer = this.depth;
    while (this.isPunct("[")) {
      this.enter(this.next());
      const key = this.expression();
      const close = this.expect("]");
      target = Object.freeze({ kind: "index", target, key, span: span(target.span.start, close.end) });
    }
    this.depth = outer;
    return target;
  }

  private primary(): ExprNode {
    const t = this.peek();
    switch (t.type) {
      case "number":
      case "string":
        this.next();
        return Object.freeze({ kind: "literal", value: t.value, span: span(t.start, t.end) });
      case "keyword":
        if (t.keyword !== "true" && t.keyword !== "false") throw this.unexpected();
        this.next();
        return Object.freeze({ kind: "literal", value: t.keyword === "true", span: span(t.start, t.end) });
      case "punct":
        if (t.punct === "(") return this.parenthesised();
        if (t.punct === "[") return this.list();
        throw this.unexpected();
      case "word":
        return this.word(t.text);
      case "end":
        throw this.unexpected();
    }
  }

  private parenthesised(): ExprNode {
    this.enter(this.next());
    const inner = this.expression();
    this.expect(")");
    this.depth--;
    return inner;
  }

  private list(): ExprNode {
    const open = this.next();
    this.enter(open);
    const items = this.commaSeparated("]");
    const close = this.expect("]");
    this.depth--;
    return Object.freeze({ kind: "list", items, span: span(open.start, close.end) });
  }

  /** Expressions separated by commas up to (not including) `close`; possibly none. */
  private commaSeparated(close: Punct): ExprNode[] {
    const items: ExprNode[] = [];
    if (this.isPunct(close)) return items;
    items.push(this.expression());
    while (this.isPunct(",")) {
      this.next();
      items.push(this.expression());
    }
    return items;
  }

  private word(text: string): ExprNode {
    const t = this.next();
    const source = ACCESSORS.get(text);
    if (source !== undefined) return this.accessor(source, t);
    if (text === "NOW") return Object.freeze({ kind: "now", span: span(t.start, t.end) });
    if (text === "any" || text === "all") return this.quantifier(text, t);
    if (isFunctionName(text)) return this.call(text, t);
    if (this.isPunct("(")) throw this.error(`unknown function ${quoted(text)}`, t.start);
    if (this.scope.includes(text))
      return Object.freeze({ kind: "name", name: text, span: span(t.start, t.end) });
    if (this.isPunct("[")) throw this.error(`unknown accessor ${quoted(text)}`, t.start);
    throw this.error(`unknown name ${quoted(text)} (only any/all bind names)`, t.start);
  }

  private accessor(source: "properties" | "user", word: Token): ExprNode {
    this.expect("[");
    const key = this.peek();
    if (key.type !== "string")
      throw this.error(`expected a string in ${this.source.slice(word.start, word.end)}[…]`);
    this.next();
    const close = this.expect("]");
    return Object.freeze({ kind: "property", source, name: key.value, span: span(word.start, close.end) });
  }

  private call(fn: keyof typeof FUNCTION_ARITY, word: Token): ExprNode {
    if (!this.isPunct("(")) throw this.error(`expected "(" after ${fn}`);
    this.enter(this.next());
    const args = this.commaSeparated(")");
    const close = this.expect(")");
    this.depth--;
    const arity = FUNCTION_ARITY[fn];
    if (args.length !== arity) {
      const noun = arity === 1 ? "argument" : "arguments";
      throw this.error(`${fn} takes ${arity} ${noun}, not ${args.length}`, word.start);
    }
    return Object.freeze({ kind: "call", fn, args, span: span(word.start, close.end) });
  }

  /** `any(v, list, pred)`: `v` is bound in `pred` only, shadowing any outer `v`. */
  private quantifier(op: "any" | "all", word: Token): ExprNode {
    if (!this.isPunct("(")) throw this.error(`expected "(" after ${op}`);
    this.enter(this.next());
    const name = this.bindableName(op);
    this.expect(",");
    const list = this.expression();
    this.expect(",");
    this.scope.push(name);
    const predicate = this.expression();
    this.scope.pop();
    if (this.isPunct(",")) throw this.error(`${op} takes 3 arguments: ${op}(name, list, condition)`);
    const close = this.expect(")");
    this.depth--;
    return Object.freeze({
      kind: "quantifier",
      op,
      name,
      list,
      predicate,
      weight: Math.max(1, predicate.span.end - predicate.span.start),
      span: span(word.start, close.end),
    });
  }

  private bindableName(op: string): string {
    const t = this.peek();
    const usage = `${op} takes a name first: ${op}(name, list, condition)`;
    if (t.type !== "word") throw this.error(usage);
    if (
      ACCESSORS.has(t.text) ||
      t.text === "NOW" ||
      t.text === "any" ||
      t.text === "all" ||
      isFunctionName(t.text)
    ) {
      throw this.error(`${quoted(t.text)} cannot be bound: ${usage}`);
    }
    this.next();
    return t.text;
  }
}
