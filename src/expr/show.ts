// Expressions and values shown to people: a tree as indented lines, one node per line, and a value
// as JSON extended with `undefined` and `datetime("…Z")`, so nothing prints ambiguously.

import type { ExprNode } from "./ast.js";
import { DateTime, type JsonObject, type Value } from "./value.js";
import { childrenOf } from "./walk.js";

/** A value as JSON, with `undefined` spelled out and datetimes as `datetime("YYYY-MM-DDTHH:MM:SSZ")`. */
export function showValue(v: Value): string {
  if (v === undefined) return "undefined";
  if (v instanceof DateTime) {
    return `datetime(${JSON.stringify(new Date(v.seconds * 1000).toISOString().replace(".000Z", "Z"))})`;
  }
  if (Array.isArray(v)) return `[${v.map(showValue).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    // Array.isArray does not narrow a readonly array away, so name the object type.
    const o = v as JsonObject;
    const members = Object.keys(o).map((k) => `${JSON.stringify(k)}:${showValue(o[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(v);
}

/** The node's own line, without its children. */
function label(node: ExprNode): string {
  switch (node.kind) {
    case "literal":
      return `literal ${showValue(node.value)}`;
    case "list":
      return `list (${node.items.length} ${node.items.length === 1 ? "item" : "items"})`;
    case "property":
      return `${node.source}[${JSON.stringify(node.name)}]`;
    case "now":
      return "NOW";
    case "name":
      return `name ${node.name}`;
    case "unary":
      return node.op === "-" ? "negate" : "not";
    case "binary":
    case "logical":
      return node.op;
    case "index":
      return "index";
    case "call":
      return `call ${node.fn}`;
    case "quantifier":
      return `${node.op} ${node.name}`;
    case "in-set": {
      const members = [...node.strings, ...node.numbers, ...node.booleans, ...node.others];
      return `${node.negated ? "not in" : "in"} set ${showValue(members)}`;
    }
  }
}

/** Deeper than this, a line shows its depth as a number instead of more spaces. */
const MAX_INDENT = 40;

// Left-deep chains (`1+1+…`) are as deep as they are long: indenting them fully would print
// quadratically many spaces, so deep lines say their depth instead.
function indent(depth: number): string {
  return depth <= MAX_INDENT ? "  ".repeat(depth) : `${"  ".repeat(MAX_INDENT)}(${depth}) `;
}

/** The tree, one node per line, children indented under their parent; iterative, so any depth. */
export function showTree(root: ExprNode): string {
  const lines: string[] = [];
  const pending: { node: ExprNode; depth: number }[] = [{ node: root, depth: 0 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    lines.push(indent(depth) + label(node));
    const kids = childrenOf(node);
    for (let i = kids.length - 1; i >= 0; i--) pending.push({ node: kids[i], depth: depth + 1 });
  }
  return lines.join("\n");
}
