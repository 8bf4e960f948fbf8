// Range comparisons between arithmetic over numeric properties, such as
// `properties["price"] * properties["qty"] > 100`, decided straight on the `numbers` arrays.
//
// Exact only where the segment's columns hold no strings and no lists or objects: then every row's
// value is a number (in `numbers`), or absent, null or a boolean (NaN there). The language makes any
// arithmetic on a non-number undefined and a range compare with undefined undefined, i.e. not true;
// NaN does the same in JavaScript. Non-finite results are undefined in the language, so each
// arithmetic result that could overflow is turned into NaN. `==`/`!=` are left out: undefined equals
// undefined, while NaN equals nothing. The time column is left out: it holds datetimes.

import type { BinaryNode, ExprNode } from "../ast.js";
import type { PropertyColumn } from "../columns.js";
import { nodesOf } from "../walk.js";
import type { Cond, Params } from "./cond.js";
import type { SlotTable } from "./pools.js";

/** Bigger trees are left to the general path: the code below recurses over the tree. */
const MAX_NODES = 64;

const RANGE = new Set(["<", "<=", ">", ">="]);
const ARITHMETIC = new Set(["+", "-", "*", "/", "%"]);

/** Whether `node` is a range compare of two numeric expressions this file can specialise. */
export function isNumericCompare(node: ExprNode, slots: SlotTable): node is BinaryNode {
  if (node.kind !== "binary" || !RANGE.has(node.op)) return false;
  let count = 0;
  for (const n of nodesOf(node)) {
    if (++count > MAX_NODES) return false;
    if (n !== node && !isNumericNode(n, slots)) return false;
  }
  return true;
}

function isNumericNode(n: ExprNode, slots: SlotTable): boolean {
  switch (n.kind) {
    case "literal":
      return typeof n.value === "number";
    case "property":
      return !slots.slots[slots.slotOf(n)].isTime;
    case "unary":
      return n.op === "-";
    case "binary":
      return ARITHMETIC.has(n.op);
    case "call":
      return n.fn === "floor" || n.fn === "ceil" || n.fn === "round";
    default:
      return false;
  }
}

/**
 * The compare over this segment's `numbers` arrays, or undefined when some column holds strings,
 * lists or objects (then the caller's general test applies).
 */
export function numericCond(
  node: BinaryNode,
  slots: SlotTable,
  columns: readonly (PropertyColumn | undefined)[],
  params: Params,
): Cond | undefined {
  const refs = new Map<number, string>();
  for (const n of nodesOf(node)) {
    if (n.kind !== "property") continue;
    const slot = slots.slotOf(n);
    const column = columns[slot];
    if (column !== undefined && (column.codes !== null || column.others.size > 0)) return undefined;
    // No row holds this property as a number: it is never a number, the compare never true.
    if (column?.numbers == null) return false;
    if (!refs.has(slot)) refs.set(slot, `${params.ref(column.numbers)}[i]`);
  }
  const code = (n: ExprNode): string => numericCode(n, slots, refs, params, code);
  return `(${code(node.left)} ${node.op} ${code(node.right)})`;
}

function numericCode(
  n: ExprNode,
  slots: SlotTable,
  refs: ReadonlyMap<number, string>,
  params: Params,
  code: (n: ExprNode) => string,
): string {
  switch (n.kind) {
    case "literal":
      return params.ref(n.value);
    case "property":
      return refs.get(slots.slotOf(n))!;
    case "unary":
      return `(-${code(n.operand)})`;
    case "binary":
      return finite(`${code(n.left)} ${n.op} ${code(n.right)}`, params);
    case "call": {
      const x = code(n.args[0]);
      if (n.fn !== "round") return `Math.${n.fn}(${x})`;
      const t = params.temp();
      // Half away from zero, as the runtime's round.
      return `((${t} = ${x}) < 0 ? -Math.round(-${t}) : Math.round(${t}))`;
    }
    default:
      throw new Error(`not a numeric node: ${n.kind}`);
  }
}

/** The value if finite, else NaN (the language's undefined, for a compare). */
function finite(expression: string, params: Params): string {
  const t = params.temp();
  return `((${t} = ${expression}) - ${t} === 0 ? ${t} : NaN)`;
}
