// Generic traversal of expression trees for the optimiser and the compiler. A chain of binary
// operators is not nesting for the parser's depth limit, so `1+1+…+1` in 64 KiB is a left spine some
// 32,000 nodes deep: these walks keep their own stack instead of recursing, so no tree the parser
// accepts can overflow the JavaScript stack here.

import type { ExprNode } from "./ast.js";

/** The direct children of a node, in evaluation order. */
export function childrenOf(node: ExprNode): readonly ExprNode[] {
  switch (node.kind) {
    case "literal":
    case "property":
    case "now":
    case "name":
      return [];
    case "list":
      return node.items;
    case "unary":
      return [node.operand];
    case "binary":
      return [node.left, node.right];
    case "logical":
      return node.operands;
    case "index":
      return [node.target, node.key];
    case "call":
      return node.args;
    case "quantifier":
      return [node.list, node.predicate];
    case "in-set":
      return [node.operand];
  }
}

/** The same node with its children replaced (same order as `childrenOf`); unchanged children keep it. */
export function withChildren(node: ExprNode, children: readonly ExprNode[]): ExprNode {
  const old = childrenOf(node);
  if (old.length === children.length && old.every((c, i) => c === children[i])) return node;
  switch (node.kind) {
    case "literal":
    case "property":
    case "now":
    case "name":
      return node;
    case "list":
      return Object.freeze({ ...node, items: Object.freeze([...children]) });
    case "unary":
      return Object.freeze({ ...node, operand: children[0] });
    case "binary":
      return Object.freeze({ ...node, left: children[0], right: children[1] });
    case "logical":
      return Object.freeze({ ...node, operands: Object.freeze([...children]) });
    case "index":
      return Object.freeze({ ...node, target: children[0], key: children[1] });
    case "call":
      return Object.freeze({ ...node, args: Object.freeze([...children]) });
    case "quantifier":
      return Object.freeze({ ...node, list: children[0], predicate: children[1] });
    case "in-set":
      return Object.freeze({ ...node, operand: children[0] });
  }
}

interface Frame {
  readonly node: ExprNode;
  readonly children: readonly ExprNode[];
  readonly done: ExprNode[];
}

/**
 * Rebuilds a tree from the leaves up: `visit` sees each node after its children have been visited
 * and replaced, and returns the node to put in its place.
 */
export function mapBottomUp(root: ExprNode, visit: (node: ExprNode) => ExprNode): ExprNode {
  const stack: Frame[] = [{ node: root, children: childrenOf(root), done: [] }];
  let result: ExprNode = root;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.done.length < top.children.length) {
      const child = top.children[top.done.length];
      stack.push({ node: child, children: childrenOf(child), done: [] });
      continue;
    }
    stack.pop();
    result = visit(withChildren(top.node, top.done));
    if (stack.length > 0) stack[stack.length - 1].done.push(result);
  }
  return result;
}

/** Every node of the tree, parents before children, without recursion. */
export function* nodesOf(root: ExprNode): Generator<ExprNode> {
  const stack: ExprNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    yield node;
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}
