// A compiled expression made of generated code: exact evaluators for rows and for columns, plus the
// filter plan whose leaves are specialised each time a batch is bound.

import type { ExprNode } from "../ast.js";
import type { ColumnBatch, PropertyColumn } from "../columns.js";
import type { BoundExpr, CompiledExpr } from "../compile.js";
import type { PropertyRead } from "../reads.js";
import { type QuantifierBudget, quantifierBudget } from "../runtime.js";
import type { EvalContext, Value } from "../value.js";
import { LeafBinder } from "./bind-leaf.js";
import { andCond, type Cond, notCond, orCond, Params } from "./cond.js";
import {
  bindSlots,
  type CellEvaluator,
  type CellEvaluatorFactory,
  type CodeContext,
  cellEvaluatorFactory,
  rowEvaluator,
  valueEvaluator,
} from "./evaluators.js";
import { type FilterLoops, filterLoops } from "./filter-loop.js";
import { planTest, type TestPlan } from "./filter-plan.js";
import { scanByValue } from "./interpreted.js";
import { numericCond } from "./numeric.js";
import { ConstPool, type SlotTable } from "./pools.js";

/** What binding needs from compilation: the plan, and per plan node its generated pieces. */
interface Compiled {
  readonly code: CodeContext;
  readonly plan: TestPlan;
  readonly root: CellEvaluatorFactory;
  /** Exact column evaluators of the plan's leaves and general operands. */
  readonly exact: ReadonlyMap<ExprNode, CellEvaluatorFactory>;
  readonly binders: ReadonlyMap<ExprNode, LeafBinder>;
}

export function generatedExpr(
  node: ExprNode,
  ctx: EvalContext,
  slots: SlotTable,
  reads: readonly PropertyRead[],
): CompiledExpr {
  const code: CodeContext = { consts: new ConstPool(), slots, now: ctx.now, timeZone: ctx.timeZone };
  const evaluateRow = rowEvaluator(node, code);
  const plan = planTest(node, slots);
  const exact = new Map<ExprNode, CellEvaluatorFactory>();
  const binders = new Map<ExprNode, LeafBinder>();
  // Generated now rather than per segment, so every failure to generate happens inside compile().
  for (const part of planParts(plan)) {
    if (part.kind === "leaf") {
      const leafValue = valueEvaluator(part.leaf.node, part.leaf.slot, code);
      binders.set(part.leaf.node, new LeafBinder(part.leaf, leafValue));
      exact.set(part.leaf.node, cellEvaluatorFactory(part.leaf.node, code));
    } else if (part.kind === "general") exact.set(part.node, cellEvaluatorFactory(part.node, code));
  }
  const compiled: Compiled = { code, plan, root: cellEvaluatorFactory(node, code), exact, binders };
  return {
    engine: "generated",
    node,
    reads,
    evaluateRow,
    matchesRow: (row) => evaluateRow(row) === true,
    bind: (batch) => bindBatch(compiled, batch),
  };
}

function* planParts(plan: TestPlan): Generator<TestPlan> {
  yield plan;
  if (plan.kind === "and" || plan.kind === "or") for (const p of plan.parts) yield* planParts(p);
  else if (plan.kind === "not") yield* planParts(plan.part);
  else if (plan.kind === "numeric") yield* planParts(plan.otherwise);
}

function bindBatch(compiled: Compiled, batch: ColumnBatch): BoundExpr {
  const columns = bindSlots(compiled.code.slots, batch);
  let valueAt: CellEvaluator | undefined;
  let loops: FilterLoops | undefined;
  // Each evaluation of a row starts a fresh quantifier budget: the value's once a call; the filter's
  // parts share one per row, afresh on each pass, so a row read twice reads the same.
  const valueBudget = quantifierBudget();
  const filterBudget = quantifierBudget();
  const value = (i: number): Value => {
    valueAt ??= compiled.root(columns, batch.time, valueBudget);
    valueBudget.row = -1;
    return valueAt(i);
  };
  // The filter is specialised on first use: a batch bound only for its values never pays for it.
  const scan = (): FilterLoops => {
    loops ??= specialise(compiled, batch, columns, value, filterBudget);
    filterBudget.row = -1;
    return loops;
  };
  return {
    valueAt: value,
    filter: (out) => scan().filter(out),
    filterSelection: (input, count, out) => scan().filterSelection(input, count, out),
    count: () => scan().count(),
    explain: () => scan().cond,
  };
}

function specialise(
  compiled: Compiled,
  batch: ColumnBatch,
  columns: readonly (PropertyColumn | undefined)[],
  value: (i: number) => Value,
  budget: QuantifierBudget,
): FilterLoops {
  const params = new Params();
  const exactTests = new Map<ExprNode, string>();
  const exact = (node: ExprNode) => (): Cond => {
    let test = exactTests.get(node);
    if (test === undefined) {
      const evaluate = compiled.exact.get(node)!(columns, batch.time, budget);
      test = `(${params.ref(evaluate)}(i) === true)`;
      exactTests.set(node, test);
    }
    return test;
  };
  const condOf = (plan: TestPlan): Cond => {
    switch (plan.kind) {
      case "const":
        return plan.value;
      case "and":
        return andCond(shortCircuit(plan.parts, condOf, false));
      case "or":
        return orCond(shortCircuit(plan.parts, condOf, true));
      case "not":
        return notCond(condOf(plan.part));
      case "general":
        return exact(plan.node)();
      case "numeric":
        return numericCond(plan.node, compiled.code.slots, columns, params) ?? condOf(plan.otherwise);
      case "leaf": {
        const binder = compiled.binders.get(plan.leaf.node)!;
        const slot = compiled.code.slots.slots[plan.leaf.slot];
        if (slot.isTime) return binder.bindTime(batch, params, exact(plan.leaf.node));
        return binder.bind(columns[plan.leaf.slot], batch, params, exact(plan.leaf.node));
      }
    }
  };
  const cond = condOf(compiled.plan);
  try {
    return filterLoops(cond, params, batch.length);
  } catch (error) {
    // A condition too deep for V8's parser: evaluate row by row instead.
    if (error instanceof RangeError) return scanByValue(value, batch.length);
    throw error;
  }
}

/** Conditions of the parts up to the first that decides the whole for this segment. */
function shortCircuit(parts: readonly TestPlan[], condOf: (p: TestPlan) => Cond, decides: boolean): Cond[] {
  const out: Cond[] = [];
  for (const part of parts) {
    const cond = condOf(part);
    out.push(cond);
    if (cond === decides) break;
  }
  return out;
}
