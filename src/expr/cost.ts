// The optimiser's cost model for ordering the operands of `and`/`or`. Both operators are pure and
// total (spec: "an engine may evaluate operands in any order"), so the order only changes speed.
// The figures are rough relative costs per row: a compare of a property with a literal is what a
// compiled filter does in one typed-array read, a function call goes through the runtime, and a
// quantifier runs its predicate once per list element.

import type { ExprNode } from "./ast.js";

/** Cost of the node itself, given the summed cost of its children. */
export function nodeCost(node: ExprNode, childCost: number): number {
  switch (node.kind) {
    case "literal":
    case "now":
      return 0;
    case "property":
    case "name":
      return 1;
    case "binary":
      return childCost + (isComparison(node.op) ? 1 : 2);
    case "in-set":
    case "unary":
    case "logical":
      return childCost + 1;
    case "list":
      return childCost + 2 + node.items.length;
    case "index":
      return childCost + 3;
    case "call":
      return childCost + (node.fn === "datetime" || node.fn === "string" || node.fn === "list" ? 12 : 4);
    case "quantifier":
      // The predicate runs once per element; assume a handful of elements.
      return 20 + childCost * 4;
  }
}

function isComparison(op: string): boolean {
  return op !== "+" && op !== "-" && op !== "*" && op !== "/" && op !== "%";
}

/**
 * A guess at how often the operand is true on real events: equality on a property picks few rows,
 * inequality most, ranges about half.
 */
export function trueChance(node: ExprNode): number {
  switch (node.kind) {
    case "literal":
      return node.value === true ? 1 : 0;
    case "in-set":
      return node.negated ? 0.85 : 0.15;
    case "binary":
      if (node.op === "==") return 0.1;
      if (node.op === "!=" || node.op === "not in") return 0.9;
      return node.op === "in" ? 0.2 : 0.5;
    case "call":
      return node.fn === "defined" ? 0.8 : 0.5;
    case "unary":
      return node.op === "not" ? 1 - trueChance(node.operand) : 0;
    case "logical": {
      // As if the operands were independent.
      const chances = node.operands.map(trueChance);
      if (node.op === "and") return chances.reduce((p, c) => p * c, 1);
      return 1 - chances.reduce((p, c) => p * (1 - c), 1);
    }
    default:
      return 0.5;
  }
}

/**
 * Rank for sorting operands, lowest first: the expected cost paid per row that the operand decides.
 * For `and` an operand decides when false, for `or` when true (the classic cost / (1 - p) order).
 */
export function operandRank(op: "and" | "or", cost: number, chance: number): number {
  const decides = op === "and" ? 1 - chance : chance;
  return (cost + 1) / Math.max(decides, 0.01);
}
