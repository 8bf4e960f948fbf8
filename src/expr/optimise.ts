// The optimiser: a pure tree → tree rewrite, run once per query before compiling. Every rewrite keeps
// the interpreter's result on every event exactly; the interpreter itself folds the constants, so
// folding can never disagree with evaluation.
//
// Rewrites, applied from the leaves up:
// - constant folding of every subtree that reads no property and no free name (NOW and the
//   zone-dependent `string()`/`datetime()` only when a context is given);
// - `x in [literals]` / `x not in [literals]` → InSetNode (a set lookup);
// - nested `and`/`or` flattened, constant operands resolved (a false operand decides an `and`, a true
//   one an `or`), the rest ordered cheap and selective first;
// - `not not x` → x when x is always a boolean, `not (a == b)` → `a != b` and back, `not` of a set
//   lookup → the negated lookup.

import type { ExprNode, InSetNode, LiteralNode, LogicalNode, Span, UnaryNode } from "./ast.js";
import { nodeCost, operandRank, trueChance } from "./cost.js";
import { domainOf } from "./domain.js";
import { evaluate } from "./interpret.js";
import type { EvalContext, Value } from "./value.js";
import { childrenOf, mapBottomUp } from "./walk.js";

/** What a subtree depends on, gathered from the leaves up. */
interface Facts {
  /** Reads a property of the event or of its user. */
  readonly reads: boolean;
  /** Names used but not bound inside the subtree. */
  readonly free: ReadonlySet<string>;
  readonly now: boolean;
  /** Calls `string()` or `datetime()`, whose results depend on the project's time zone. */
  readonly zoned: boolean;
  readonly cost: number;
}

const NO_NAMES: ReadonlySet<string> = new Set();
const LEAF: Facts = { reads: false, free: NO_NAMES, now: false, zoned: false, cost: 0 };
const FOLD_CONTEXT: EvalContext = { now: 0, timeZone: "UTC" };

export function optimise(node: ExprNode, ctx?: EvalContext): ExprNode {
  const facts = new WeakMap<ExprNode, Facts>();
  const factsOf = (n: ExprNode): Facts => facts.get(n) ?? LEAF;
  return mapBottomUp(node, (n) => {
    const gathered = gatherFacts(n, childrenOf(n).map(factsOf));
    const folded = foldable(n, gathered, ctx) ? fold(n, ctx ?? FOLD_CONTEXT) : undefined;
    const rewritten = folded ?? rewrite(n, factsOf);
    if (rewritten !== n) {
      const again = gatherFacts(rewritten, childrenOf(rewritten).map(factsOf));
      facts.set(rewritten, again);
    } else facts.set(n, gathered);
    return rewritten;
  });
}

function gatherFacts(node: ExprNode, children: readonly Facts[]): Facts {
  let reads = node.kind === "property";
  let now = node.kind === "now";
  let zoned = node.kind === "call" && (node.fn === "string" || node.fn === "datetime");
  let childCost = 0;
  let free: ReadonlySet<string> = node.kind === "name" ? new Set([node.name]) : NO_NAMES;
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    reads ||= c.reads;
    now ||= c.now;
    zoned ||= c.zoned;
    childCost += c.cost;
    // The predicate (second child) of a quantifier has the quantifier's name bound.
    const bound = node.kind === "quantifier" && i === 1 ? node.name : undefined;
    free = unionFree(free, c.free, bound);
  }
  return { reads, free, now, zoned, cost: nodeCost(node, childCost) };
}

function unionFree(
  a: ReadonlySet<string>,
  b: ReadonlySet<string>,
  except: string | undefined,
): ReadonlySet<string> {
  if (b.size === 0 || (b.size === 1 && except !== undefined && b.has(except))) return a;
  const out = new Set(a);
  for (const name of b) if (name !== except) out.add(name);
  return out;
}

function foldable(node: ExprNode, facts: Facts, ctx: EvalContext | undefined): boolean {
  if (node.kind === "literal" || facts.reads || facts.free.size > 0) return false;
  return ctx !== undefined || (!facts.now && !facts.zoned);
}

function fold(node: ExprNode, ctx: EvalContext): LiteralNode | undefined {
  let value: Value;
  try {
    value = evaluate(node, { properties: {} }, ctx);
  } catch {
    // Only a stack overflow on a pathological constant can land here: leave it to run as it is.
    return undefined;
  }
  return literal(value, node.span);
}

function literal(value: Value, span: Span): LiteralNode {
  return Object.freeze({ kind: "literal", value, span });
}

function rewrite(node: ExprNode, factsOf: (n: ExprNode) => Facts): ExprNode {
  switch (node.kind) {
    case "logical":
      return simplifyLogical(node, factsOf);
    case "binary":
      if ((node.op === "in" || node.op === "not in") && isLiteralList(node.right)) {
        // Nothing is in an empty list, whatever the operand.
        if (node.right.value.length === 0) return literal(node.op === "not in", node.span);
        return inSet(node.left, node.right.value, node.op === "not in", node.span);
      }
      return node;
    case "unary":
      return node.op === "not" ? simplifyNot(node) : node;
    default:
      return node;
  }
}

function isLiteralList(node: ExprNode): node is LiteralNode & { value: readonly Value[] } {
  return node.kind === "literal" && Array.isArray(node.value);
}

/** The literal elements sorted by how the set lookup finds them; membership is the language's `==`. */
export function inSet(
  operand: ExprNode,
  elements: readonly Value[],
  negated: boolean,
  span: Span,
): InSetNode {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const booleans = new Set<boolean>();
  const others: Value[] = [];
  for (const e of elements) {
    if (typeof e === "string") strings.add(e);
    else if (typeof e === "number") numbers.add(e);
    else if (typeof e === "boolean") booleans.add(e);
    else others.push(e);
  }
  return Object.freeze({ kind: "in-set", operand, strings, numbers, booleans, others, negated, span });
}

function simplifyNot(node: UnaryNode): ExprNode {
  const inner = node.operand;
  if (inner.kind === "unary" && inner.op === "not" && domainOf(inner.operand) === "boolean") {
    return inner.operand;
  }
  if (inner.kind === "binary" && (inner.op === "==" || inner.op === "!=")) {
    return Object.freeze({ ...inner, op: inner.op === "==" ? "!=" : "==", span: node.span });
  }
  if (inner.kind === "in-set") return Object.freeze({ ...inner, negated: !inner.negated, span: node.span });
  return node;
}

function simplifyLogical(node: LogicalNode, factsOf: (n: ExprNode) => Facts): ExprNode {
  // An `and` is decided by any operand that is not `true`; an `or` by any that is `true`.
  const deciding = node.op === "or";
  const kept: ExprNode[] = [];
  for (const operand of flatten(node)) {
    if (operand.kind !== "literal") kept.push(operand);
    else if ((operand.value === true) === deciding) return literal(deciding, node.span);
  }
  if (kept.length === 0) return literal(!deciding, node.span);
  if (kept.length === 1 && domainOf(kept[0]) === "boolean") return kept[0];
  const ranked = kept.map((operand, order) => ({
    operand,
    order,
    rank: operandRank(node.op, factsOf(operand).cost, trueChance(operand)),
  }));
  ranked.sort((a, b) => a.rank - b.rank || a.order - b.order);
  const operands = Object.freeze(ranked.map((r) => r.operand));
  return Object.freeze({ ...node, operands });
}

function flatten(node: LogicalNode): ExprNode[] {
  const out: ExprNode[] = [];
  const stack: ExprNode[] = [...node.operands].reverse();
  while (stack.length > 0) {
    const operand = stack.pop()!;
    if (operand.kind === "logical" && operand.op === node.op) {
      for (let i = operand.operands.length - 1; i >= 0; i--) stack.push(operand.operands[i]);
    } else out.push(operand);
  }
  return out;
}
