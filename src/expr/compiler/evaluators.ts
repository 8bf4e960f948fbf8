// The three exact evaluators generated from one value emission, differing only in where the
// property slots come from: a row object, row i of a column batch, or a single value handed in
// (used to evaluate a one-property subtree once per dictionary entry).

import type { ExprNode } from "../ast.js";
import type { ColumnBatch, PropertyColumn } from "../columns.js";
import type { QuantifierBudget } from "../runtime.js";
import type { EventRow, Value } from "../value.js";
import { ValueEmitter } from "./emit-value.js";
import { instantiate } from "./generate.js";
import type { ConstPool, SlotTable } from "./pools.js";
import { SUPPORT_PRELUDE } from "./support.js";

export type RowEvaluator = (row: EventRow) => Value;
export type CellEvaluator = (i: number) => Value;
export type ValueEvaluator = (v: Value) => Value;
/**
 * Binds a batch's columns (one per slot, undefined when absent) and its time column. The evaluators
 * of one batch's parts (a filter's `and` operands) share `budget`, so that they share each row's.
 */
export type CellEvaluatorFactory = (
  columns: readonly (PropertyColumn | undefined)[],
  time: Float64Array,
  budget?: QuantifierBudget,
) => CellEvaluator;

/** Compilation-wide state every generated evaluator shares. */
export interface CodeContext {
  readonly consts: ConstPool;
  readonly slots: SlotTable;
  readonly now: number;
  readonly timeZone: string;
}

function emitBody(node: ExprNode, code: CodeContext): { body: string; slots: number[]; budget: boolean } {
  const emitter = new ValueEmitter(code.consts, code.slots, code.now, code.timeZone);
  const body = ValueEmitter.body(node, emitter);
  return { body, slots: [...emitter.slotsUsed].sort((a, b) => a - b), budget: emitter.usesBudget };
}

export function rowEvaluator(node: ExprNode, code: CodeContext): RowEvaluator {
  const { body, slots, budget } = emitBody(node, code);
  const reads = slots.map((s) => {
    const slot = code.slots.slots[s];
    const name = `K[${code.consts.add(slot.name)}]`;
    return slot.source === "user"
      ? `const p${s} = readMember(user, ${name});`
      : `const p${s} = readEventProperty(props, ${name});`;
  });
  const source = `${SUPPORT_PRELUDE}
return function evaluateRow(row) {
${budget ? "const W = quantifierBudget();" : ""}
const props = row.properties, user = row.user;
${reads.join("\n")}
${body}
return r0;
};`;
  return instantiate<RowEvaluator>(source, code.consts.values);
}

export function cellEvaluatorFactory(node: ExprNode, code: CodeContext): CellEvaluatorFactory {
  const { body, slots, budget } = emitBody(node, code);
  const columns = slots.filter((s) => !code.slots.slots[s].isTime).map((s) => `s${s} = S[${s}]`);
  const reads = slots.map((s) =>
    code.slots.slots[s].isTime ? `const p${s} = timeCell(T, i);` : `const p${s} = cell(s${s}, i);`,
  );
  const source = `${SUPPORT_PRELUDE}
return function bind(S, T, W = quantifierBudget()) {
${columns.length > 0 ? `const ${columns.join(", ")};` : ""}
return function valueAt(i) {
${budget ? "if (W.row !== i) { W.row = i; W.left = QUANTIFIER_BUDGET; }" : ""}
${reads.join("\n")}
${body}
return r0;
};
};`;
  return instantiate<CellEvaluatorFactory>(source, code.consts.values);
}

/** For a subtree that reads exactly one slot: its value when that slot holds `v`. */
export function valueEvaluator(node: ExprNode, slot: number, code: CodeContext): ValueEvaluator {
  const { body, budget } = emitBody(node, code);
  // A value per dictionary entry cannot share a row's budget: filter-plan.ts keeps any/all out.
  if (budget) throw new Error("a subtree with any/all is never evaluated per value");
  const source = `${SUPPORT_PRELUDE}
return function leafValue(v) {
const p${slot} = v;
${body}
return r0;
};`;
  return instantiate<ValueEvaluator>(source, code.consts.values);
}

/** The columns of a batch in slot order, looked up once per batch. */
export function bindSlots(slots: SlotTable, batch: ColumnBatch): (PropertyColumn | undefined)[] {
  return slots.slots.map((slot) => {
    if (slot.isTime) return undefined;
    return slot.source === "user" ? batch.userProperty(slot.name) : batch.property(slot.name);
  });
}
