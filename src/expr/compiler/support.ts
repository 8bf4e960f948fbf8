// What generated code may call: the runtime's semantics functions, plus the few helpers that read a
// column cell or look a value up in a literal set. Generated source names these by the fixed
// identifiers below (never by anything from the expression), and receives them as one object.

import type { InSetNode } from "../ast.js";
import { columnValue, type PropertyColumn } from "../columns.js";
import * as rt from "../runtime.js";
import type { Value } from "../value.js";

/** A property cell of row i, or undefined when the batch has no such column. */
function cell(column: PropertyColumn | undefined, i: number): Value {
  return column === undefined ? undefined : columnValue(column, i);
}

/** `properties["time"]` of row i: the time column read as a datetime, as readEventProperty does. */
function timeCell(time: Float64Array, i: number): Value {
  const seconds = time[i];
  return Number.isNaN(seconds) ? undefined : rt.makeDateTime(seconds);
}

/** Membership in an InSetNode's literals, by the language's `==` (the interpreter's evalInSet). */
function inSetHas(set: InSetNode, v: Value): boolean {
  if (typeof v === "string") return set.strings.has(v);
  if (typeof v === "number") return set.numbers.has(v);
  if (typeof v === "boolean") return set.booleans.has(v);
  for (const other of set.others) if (rt.equals(v, other)) return true;
  return false;
}

export const support = Object.freeze({
  readEventProperty: rt.readEventProperty,
  readMember: rt.readMember,
  add: rt.add,
  subtract: rt.subtract,
  multiply: rt.multiply,
  divide: rt.divide,
  remainder: rt.remainder,
  negate: rt.negate,
  not: rt.not,
  equals: rt.equals,
  less: rt.less,
  lessEq: rt.lessEq,
  greater: rt.greater,
  greaterEq: rt.greaterEq,
  contains: rt.contains,
  index: rt.index,
  floor: rt.floor,
  ceil: rt.ceil,
  round: rt.round,
  defined: rt.defined,
  toNumber: rt.toNumber,
  toStringValue: rt.toStringValue,
  toBoolean: rt.toBoolean,
  toDateTime: rt.toDateTime,
  toList: rt.toList,
  hasPrefix: rt.hasPrefix,
  hasSuffix: rt.hasSuffix,
  lower: rt.lower,
  upper: rt.upper,
  len: rt.len,
  isArray: Array.isArray,
  quantifierBudget: rt.quantifierBudget,
  QUANTIFIER_BUDGET: rt.QUANTIFIER_BUDGET,
  cell,
  timeCell,
  inSetHas,
});

export type Support = typeof support;

/** Generated functions start with this: every helper as a local constant. */
export const SUPPORT_PRELUDE = `const { ${Object.keys(support).join(", ")} } = R;`;
