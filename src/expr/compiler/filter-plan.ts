// How a `where` is decided over columns, planned once per compilation. Only `=== true` matters in a
// filter, so `and`/`or`/`not` become JavaScript's `&&`/`||`/`!` over their operands' tests, and each
// remaining operand that reads a single property becomes a leaf the binder specialises per segment
// (string equality as a dictionary-code compare, numeric compares straight on `numbers`, anything
// else as a table over the dictionary). Operands reading several properties are evaluated exactly.

import type { BinaryNode, ExprNode } from "../ast.js";
import { domainOf } from "../domain.js";
import { MAX_DATETIME_SECONDS } from "../timezone.js";
import { DateTime, type Value } from "../value.js";
import { nodesOf } from "../walk.js";
import { isNumericCompare } from "./numeric.js";
import type { SlotTable } from "./pools.js";

export type TestPlan =
  | { readonly kind: "const"; readonly value: boolean }
  | { readonly kind: "and" | "or"; readonly parts: readonly TestPlan[] }
  | { readonly kind: "not"; readonly part: TestPlan }
  | { readonly kind: "leaf"; readonly leaf: LeafPlan }
  | { readonly kind: "general"; readonly node: ExprNode }
  /** A range compare of arithmetic over numeric properties (numeric.ts), else `otherwise`. */
  | { readonly kind: "numeric"; readonly node: BinaryNode; readonly otherwise: TestPlan };

/** `property == "literal"` (or `!=`): decided by comparing dictionary codes. */
export interface StringForm {
  readonly literal: string;
  readonly negated: boolean;
}

/** How rows holding a number are decided without leaving the `numbers` array. */
export type NumberForm =
  | { readonly kind: "compare"; readonly op: "<" | "<=" | ">" | ">=" | "===" | "!=="; readonly value: number }
  | { readonly kind: "set"; readonly set: ReadonlySet<number>; readonly negated: boolean };

/**
 * `properties["time"]` compared with a datetime literal: true when `lo <= time` and `time < hi` (or
 * `<= hi`), the seconds flooring and the datetime range folded into the bounds.
 */
export interface TimeForm {
  readonly lo: number;
  readonly hi: number;
  readonly hiInclusive: boolean;
  readonly negated: boolean;
}

export interface LeafPlan {
  readonly node: ExprNode;
  readonly slot: number;
  readonly strings?: StringForm;
  readonly numbers?: NumberForm;
  readonly time?: TimeForm;
  /**
   * The form alone decides every row: a string equality is false on any row without a string (code
   * -1), a direct numeric compare on any row without a number (NaN), whatever the row holds.
   */
  readonly complete: boolean;
}

export function planTest(node: ExprNode, slots: SlotTable): TestPlan {
  switch (node.kind) {
    case "literal":
      return { kind: "const", value: node.value === true };
    case "logical":
      return { kind: node.op, parts: node.operands.map((o) => planTest(o, slots)) };
    case "unary":
      // For an operand that is true, false or undefined, `not x` is true exactly when x is not true.
      if (node.op === "not" && domainOf(node.operand) !== "any") {
        return { kind: "not", part: planTest(node.operand, slots) };
      }
      break;
  }
  // A subtree with any/all is decided row by row: a table over a dictionary would give each value a
  // budget of its own, where a row's parts share one (runtime.ts).
  const slot = hasQuantifier(node) ? undefined : onlySlot(node, slots);
  const plan: TestPlan =
    slot === undefined
      ? { kind: "general", node }
      : { kind: "leaf", leaf: { node, slot, complete: false, ...leafForms(node, slot, slots) } };
  if (plan.kind === "leaf" && plan.leaf.complete) return plan;
  return isNumericCompare(node, slots) ? { kind: "numeric", node, otherwise: plan } : plan;
}

function hasQuantifier(node: ExprNode): boolean {
  for (const n of nodesOf(node)) if (n.kind === "quantifier") return true;
  return false;
}

/** The slot of the one property the subtree reads, or undefined when it reads none or several. */
function onlySlot(node: ExprNode, slots: SlotTable): number | undefined {
  let found: number | undefined;
  for (const n of nodesOf(node)) {
    if (n.kind !== "property") continue;
    const slot = slots.slotOf(n);
    if (found !== undefined && found !== slot) return undefined;
    found = slot;
  }
  return found;
}

type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

const FLIPPED: Readonly<Record<CompareOp, CompareOp>> = {
  "==": "==",
  "!=": "!=",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

type Forms = Partial<Omit<LeafPlan, "node" | "slot">>;

function leafForms(node: ExprNode, slot: number, slots: SlotTable): Forms {
  if (node.kind === "in-set") {
    const operand = readOf(node.operand);
    if (operand === undefined || slots.slots[slot].isTime) return {};
    return { numbers: { kind: "set", set: node.numbers, negated: node.negated } };
  }
  if (node.kind !== "binary" || !Object.hasOwn(FLIPPED, node.op)) return {};
  const op = node.op as CompareOp;
  const leftRead = readOf(node.left);
  const read = leftRead ?? readOf(node.right);
  const other = leftRead !== undefined ? node.right : node.left;
  if (read === undefined || other.kind !== "literal") return {};
  const relation = leftRead !== undefined ? op : FLIPPED[op];
  return formsFor(relation, read.viaNumber, other.value, slots.slots[slot].isTime);
}

/** A property read, directly or through `number()` (which leaves a number as it is). */
function readOf(node: ExprNode): { viaNumber: boolean } | undefined {
  if (node.kind === "property") return { viaNumber: false };
  if (node.kind === "call" && node.fn === "number" && node.args[0].kind === "property") {
    return { viaNumber: true };
  }
  return undefined;
}

function formsFor(op: CompareOp, viaNumber: boolean, literal: Value, isTime: boolean): Forms {
  if (isTime) {
    return literal instanceof DateTime && !viaNumber
      ? { time: timeForm(op, literal.seconds), complete: true }
      : {};
  }
  if (typeof literal === "number") {
    const jsOp = op === "==" ? "===" : op === "!=" ? "!==" : op;
    // number() turns strings and booleans into numbers: those rows need their own test.
    return { numbers: { kind: "compare", op: jsOp, value: literal }, complete: !viaNumber };
  }
  if (typeof literal === "string" && !viaNumber && (op === "==" || op === "!=")) {
    return { strings: { literal, negated: op === "!=" }, complete: true };
  }
  return {};
}

/** Bounds on the raw time for `floor(time) <op> s`, within the range a datetime can hold. */
function timeForm(op: CompareOp, s: number): TimeForm {
  const max = MAX_DATETIME_SECONDS;
  let lo = -max;
  let hi = max;
  let hiInclusive = true;
  const below = (limit: number) => {
    if (limit <= max) {
      hi = limit;
      hiInclusive = false;
    }
  };
  if (op === ">") lo = s + 1;
  else if (op === ">=") lo = s;
  else if (op === "<") below(s);
  else if (op === "<=") below(s + 1);
  else {
    lo = s;
    below(s + 1);
  }
  return { lo: Math.max(lo, -max), hi, hiInclusive, negated: op === "!=" };
}
