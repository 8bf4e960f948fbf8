// The tree every pass of the expression engine reads: the parser builds it, the optimiser rewrites it,
// the interpreter walks it and the compiler turns it into code. Nodes are plain frozen objects, a
// discriminated union on `kind`, so a pass is a `switch` the type checker proves complete.

import type { Value } from "./value.js";

/** Byte-independent position in the source text: offsets into the JavaScript string. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A number, string or boolean written in the expression; after folding, any constant value. */
export interface LiteralNode {
  readonly kind: "literal";
  readonly value: Value;
  readonly span: Span;
}

/** `[a, b, c]`: a list built from expressions. A list of literals folds to a LiteralNode. */
export interface ListNode {
  readonly kind: "list";
  readonly items: readonly ExprNode[];
  readonly span: Span;
}

/** Where an accessor reads: the event (or profile, on profile queries), or the event's user profile. */
export type PropertySource = "properties" | "user";

/** `properties["k"]`, `event["k"]` (same as properties) or `user["k"]`. */
export interface PropertyNode {
  readonly kind: "property";
  readonly source: PropertySource;
  readonly name: string;
  readonly span: Span;
}

/** `NOW`: the query's start time in Unix seconds, fixed for the whole query. */
export interface NowNode {
  readonly kind: "now";
  readonly span: Span;
}

/** A name bound by `any`/`all`. */
export interface NameNode {
  readonly kind: "name";
  readonly name: string;
  readonly span: Span;
}

export type UnaryOp = "-" | "not";

export interface UnaryNode {
  readonly kind: "unary";
  readonly op: UnaryOp;
  readonly operand: ExprNode;
  readonly span: Span;
}

export type ArithmeticOp = "+" | "-" | "*" | "/" | "%";
export type ComparisonOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in";
export type BinaryOp = ArithmeticOp | ComparisonOp;

export interface BinaryNode {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly left: ExprNode;
  readonly right: ExprNode;
  readonly span: Span;
}

/**
 * `a and b and c`: n-ary, because a chain of `and`/`or` is one decision whose operands the
 * optimiser may reorder (both operators are pure and total, see the spec).
 */
export interface LogicalNode {
  readonly kind: "logical";
  readonly op: "and" | "or";
  readonly operands: readonly ExprNode[];
  readonly span: Span;
}

/** `x[k]`: object member by string key, list element by integer index. */
export interface IndexNode {
  readonly kind: "index";
  readonly target: ExprNode;
  readonly key: ExprNode;
  readonly span: Span;
}

export type FunctionName =
  | "floor"
  | "ceil"
  | "round"
  | "defined"
  | "number"
  | "string"
  | "boolean"
  | "datetime"
  | "list"
  | "has_prefix"
  | "has_suffix"
  | "lower"
  | "upper"
  | "len";

/** How many arguments each function takes; the parser rejects any other count. */
export const FUNCTION_ARITY: Readonly<Record<FunctionName, number>> = Object.freeze({
  floor: 1,
  ceil: 1,
  round: 1,
  defined: 1,
  number: 1,
  string: 1,
  boolean: 1,
  datetime: 1,
  list: 1,
  has_prefix: 2,
  has_suffix: 2,
  lower: 1,
  upper: 1,
  len: 1,
});

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTION_ARITY, name);
}

export interface CallNode {
  readonly kind: "call";
  readonly fn: FunctionName;
  readonly args: readonly ExprNode[];
  readonly span: Span;
}

/** `any(v, list, pred)` / `all(v, list, pred)`: `name` is bound in `predicate` only. */
export interface QuantifierNode {
  readonly kind: "quantifier";
  readonly op: "any" | "all";
  readonly name: string;
  readonly list: ExprNode;
  readonly predicate: ExprNode;
  /**
   * What one run of the predicate costs against the event's quantifier budget (runtime.ts): the
   * predicate's length in the source, fixed by the parser so that every engine, on the tree as
   * parsed or as optimised, charges alike.
   */
  readonly weight: number;
  readonly span: Span;
}

/**
 * Made by the optimiser only: `operand in [literal, …]` as a set lookup. `values` holds the
 * distinct literal elements; membership uses the language's `==`, so numbers, strings and booleans
 * are looked up by value and other kinds fall back to a scan of `others`.
 */
export interface InSetNode {
  readonly kind: "in-set";
  readonly operand: ExprNode;
  readonly strings: ReadonlySet<string>;
  readonly numbers: ReadonlySet<number>;
  readonly booleans: ReadonlySet<boolean>;
  /** Elements that are not strings, numbers or booleans (lists, objects, datetimes, null). */
  readonly others: readonly Value[];
  readonly negated: boolean;
  readonly span: Span;
}

export type ExprNode =
  | LiteralNode
  | ListNode
  | PropertyNode
  | NowNode
  | NameNode
  | UnaryNode
  | BinaryNode
  | LogicalNode
  | IndexNode
  | CallNode
  | QuantifierNode
  | InSetNode;

export type NodeKind = ExprNode["kind"];
