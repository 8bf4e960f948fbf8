// The reference interpreter: the definition of what an expression means, written for clarity, not
// speed. It walks the tree and applies the semantics table in runtime.ts; the compiler must agree
// with it on every expression.

import type { ArithmeticOp, BinaryNode, ExprNode, InSetNode, QuantifierNode } from "./ast.js";
import * as rt from "./runtime.js";
import type { EvalContext, EventRow, Value } from "./value.js";

/** Values of the names bound by the enclosing any/all. */
type Environment = ReadonlyMap<string, Value>;

const EMPTY: Environment = new Map();

/** The current evaluation's quantifier budget: one evaluation runs at a time, start to end. */
let budget = rt.quantifierBudget();

export function evaluate(node: ExprNode, row: EventRow, ctx: EvalContext): Value {
  const outer = budget;
  budget = rt.quantifierBudget();
  try {
    return evalNode(node, row, ctx, EMPTY);
  } finally {
    budget = outer;
  }
}

function evalNode(node: ExprNode, row: EventRow, ctx: EvalContext, env: Environment): Value {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "list":
      return node.items.map((item) => evalNode(item, row, ctx, env));
    case "property":
      return node.source === "user"
        ? rt.readMember(row.user, node.name)
        : rt.readEventProperty(row.properties, node.name);
    case "now":
      return ctx.now;
    case "name":
      return env.get(node.name);
    case "unary": {
      const operand = evalNode(node.operand, row, ctx, env);
      return node.op === "-" ? rt.negate(operand) : rt.not(operand);
    }
    case "binary":
      return isArithmetic(node)
        ? evalArithmeticChain(node, row, ctx, env)
        : evalComparison(node, row, ctx, env);
    case "logical":
      return node.op === "and"
        ? node.operands.every((o) => rt.isTrue(evalNode(o, row, ctx, env)))
        : node.operands.some((o) => rt.isTrue(evalNode(o, row, ctx, env)));
    case "index":
      return rt.index(evalNode(node.target, row, ctx, env), evalNode(node.key, row, ctx, env));
    case "call":
      return rt.callFunction(
        node.fn,
        node.args.map((a) => evalNode(a, row, ctx, env)),
        ctx,
      );
    case "quantifier":
      return evalQuantifier(node, row, ctx, env);
    case "in-set":
      return evalInSet(node, evalNode(node.operand, row, ctx, env));
  }
}

function isArithmetic(node: BinaryNode): node is BinaryNode & { op: ArithmeticOp } {
  return node.op === "+" || node.op === "-" || node.op === "*" || node.op === "/" || node.op === "%";
}

function arithmetic(op: ArithmeticOp, a: Value, b: Value): Value {
  switch (op) {
    case "+":
      return rt.add(a, b);
    case "-":
      return rt.subtract(a, b);
    case "*":
      return rt.multiply(a, b);
    case "/":
      return rt.divide(a, b);
    case "%":
      return rt.remainder(a, b);
  }
}

/**
 * `a + b - c …` is a left-deep tree as long as the expression (chains are not nesting), so its left
 * spine is walked in a loop: collect the spine, evaluate its leftmost operand, then apply the
 * operators bottom-up. Right operands are bounded by the nesting limit and may recurse.
 */
function evalArithmeticChain(top: BinaryNode, row: EventRow, ctx: EvalContext, env: Environment): Value {
  const spine: BinaryNode[] = [];
  let node: ExprNode = top;
  while (node.kind === "binary" && isArithmetic(node)) {
    spine.push(node);
    node = node.left;
  }
  let acc = evalNode(node, row, ctx, env);
  for (let i = spine.length - 1; i >= 0; i--) {
    const step = spine[i];
    acc = arithmetic(step.op as ArithmeticOp, acc, evalNode(step.right, row, ctx, env));
  }
  return acc;
}

function evalComparison(node: BinaryNode, row: EventRow, ctx: EvalContext, env: Environment): Value {
  const a = evalNode(node.left, row, ctx, env);
  const b = evalNode(node.right, row, ctx, env);
  switch (node.op) {
    case "==":
      return rt.equals(a, b);
    case "!=":
      return !rt.equals(a, b);
    case "<":
      return rt.less(a, b);
    case "<=":
      return rt.lessEq(a, b);
    case ">":
      return rt.greater(a, b);
    case ">=":
      return rt.greaterEq(a, b);
    case "in":
      return rt.contains(a, b);
    case "not in":
      return rt.not(rt.contains(a, b));
    default:
      return arithmetic(node.op, a, b);
  }
}

/** `any`/`all`: bind `name` to each element in turn; a list that is not a list gives undefined. */
function evalQuantifier(node: QuantifierNode, row: EventRow, ctx: EvalContext, env: Environment): Value {
  const { op, name, list: listNode, predicate, weight } = node;
  const list = evalNode(listNode, row, ctx, env);
  if (!Array.isArray(list)) return undefined;
  const inner = new Map(env);
  for (const element of list) {
    budget.left -= weight;
    if (budget.left < 0) {
      budget.left = 0;
      return undefined;
    }
    const holds = rt.isTrue(evalNode(predicate, row, ctx, inner.set(name, element)));
    if (holds === (op === "any")) return holds;
  }
  return op === "all";
}

/** The optimiser's `x in [literals]`: a set lookup by kind, with the language's `==`. */
function evalInSet(node: InSetNode, v: Value): boolean {
  let found: boolean;
  if (typeof v === "string") found = node.strings.has(v);
  else if (typeof v === "number") found = node.numbers.has(v);
  else if (typeof v === "boolean") found = node.booleans.has(v);
  else found = node.others.some((other) => rt.equals(v, other));
  return node.negated ? !found : found;
}
