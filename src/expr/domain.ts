// Which values a node can produce, as far as its kind tells. The optimiser and the compiler use it to
// know when a rewrite is exact: `not not x` is `x` only when x is always a boolean, and a filter may
// test `!(a > b)` for `not (a > b)` only because a comparison gives nothing but true, false or
// undefined.

import type { ExprNode } from "./ast.js";

/**
 * `boolean`: always true or false. `predicate`: true, false or undefined. `any`: anything.
 */
export type Domain = "boolean" | "predicate" | "any";

export function domainOf(node: ExprNode): Domain {
  switch (node.kind) {
    case "literal":
      if (typeof node.value === "boolean") return "boolean";
      return node.value === undefined ? "predicate" : "any";
    case "logical":
    case "in-set":
      return "boolean";
    case "binary":
      return binaryDomain(node.op);
    case "unary":
      if (node.op === "-") return "any";
      // not true/false is a boolean; not of anything else is true (undefined) or undefined.
      return domainOf(node.operand) === "boolean" ? "boolean" : "predicate";
    case "call":
      if (node.fn === "defined" || node.fn === "boolean") return "boolean";
      return node.fn === "has_prefix" || node.fn === "has_suffix" ? "predicate" : "any";
    case "quantifier":
      return "predicate";
    default:
      return "any";
  }
}

function binaryDomain(op: string): Domain {
  switch (op) {
    case "==":
    case "!=":
    case "not in": // not of (true | false | undefined) is always a boolean
      return "boolean";
    case "<":
    case "<=":
    case ">":
    case ">=":
    case "in":
      return "predicate";
    default:
      return "any";
  }
}
