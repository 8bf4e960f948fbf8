// The fast path of `on`: when the expression is a plain property read, its values are read straight
// from the batch's column (tags, numbers, dictionary codes) instead of being boxed one by one.

import type { PropertyNode } from "../../expr/ast.js";
import type { PropertyColumn } from "../../expr/columns.js";
import type { CompiledExpr } from "../../expr/compile.js";
import type { ScanBatch } from "./scan-batch.js";

/** The property an expression reads, when that is all it does; `properties["time"]` is a datetime, not a column. */
export function plainRead(expr: CompiledExpr): PropertyNode | null {
  const node = expr.node;
  if (node.kind !== "property") return null;
  if (node.source === "properties" && node.name === "time") return null;
  return node;
}

export function readColumn(batch: ScanBatch, read: PropertyNode): PropertyColumn | undefined {
  return read.source === "user" ? batch.userProperty(read.name) : batch.property(read.name);
}

/** A property read as an expression node, for endpoints that name a property rather than an expression. */
export function propertyNode(name: string): PropertyNode {
  return { kind: "property", source: "properties", name, span: { start: 0, end: 0 } };
}
