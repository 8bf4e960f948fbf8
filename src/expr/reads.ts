// Hoisting of property reads: the set of properties an expression reads, so that the storage layer
// (and the compiler's `bind`) can look each one up once per segment instead of once per event.

import type { ExprNode, PropertySource } from "./ast.js";
import { nodesOf } from "./walk.js";

export interface PropertyRead {
  readonly source: PropertySource;
  readonly name: string;
}

/** The distinct properties the expression reads, in order of first appearance. */
export function propertyReads(node: ExprNode): PropertyRead[] {
  const seen = new Map<string, PropertyRead>();
  for (const n of nodesOf(node)) {
    if (n.kind !== "property") continue;
    // The source is a fixed word, so "source:name" cannot collide between two different reads.
    const key = `${n.source}:${n.name}`;
    if (!seen.has(key)) seen.set(key, { source: n.source, name: n.name });
  }
  return [...seen.values()];
}
