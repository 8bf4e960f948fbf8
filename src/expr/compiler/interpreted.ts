// The safety net: a compiled expression that runs the reference interpreter. `compile` uses it only
// when generating code failed (a tree deeper than any the parser accepts, say), so a query is slow
// rather than failing. Over columns it rebuilds a row object per row from the bound columns.

import type { ExprNode } from "../ast.js";
import { type ColumnBatch, columnValue, type PropertyColumn } from "../columns.js";
import type { BoundExpr, CompiledExpr } from "../compile.js";
import { evaluate } from "../interpret.js";
import type { PropertyRead } from "../reads.js";
import type { EvalContext, EventRow, JsonObject, Value } from "../value.js";
import { bindSlots } from "./evaluators.js";
import type { FilterLoops } from "./filter-loop.js";
import type { SlotTable } from "./pools.js";

export function interpretedExpr(
  node: ExprNode,
  ctx: EvalContext,
  slots: SlotTable,
  reads: readonly PropertyRead[],
): CompiledExpr {
  const evaluateRow = (row: EventRow): Value => evaluate(node, row, ctx);
  return {
    engine: "interpreted",
    node,
    reads,
    evaluateRow,
    matchesRow: (row) => evaluateRow(row) === true,
    bind(batch) {
      const columns = bindSlots(slots, batch);
      const valueAt = (i: number) => evaluateRow(rowAt(slots, columns, batch, i));
      return scanByValue(valueAt, batch.length);
    },
  };
}

/** A row object holding just the properties the expression reads. */
function rowAt(
  slots: SlotTable,
  columns: readonly (PropertyColumn | undefined)[],
  batch: ColumnBatch,
  i: number,
): EventRow {
  const properties: Record<string, Value> = Object.create(null);
  const user: Record<string, Value> = Object.create(null);
  slots.slots.forEach((slot, s) => {
    const column = columns[s];
    const value = slot.isTime ? timeValue(batch.time[i]) : column && columnValue(column, i);
    if (value !== undefined) (slot.source === "user" ? user : properties)[slot.name] = value;
  });
  return { properties: properties as JsonObject, user: user as JsonObject };
}

function timeValue(seconds: number): Value {
  return Number.isNaN(seconds) ? undefined : seconds;
}

/** Filters by evaluating every row: the general path, used when no loop could be generated. */
export function scanByValue(valueAt: (i: number) => Value, length: number): BoundExpr & FilterLoops {
  const filterSelection = (input: Uint32Array, count: number, out: Uint32Array): number => {
    let c = 0;
    for (let j = 0; j < count; j++) if (valueAt(input[j]) === true) out[c++] = input[j];
    return c;
  };
  return {
    valueAt,
    filter(out) {
      let c = 0;
      for (let i = 0; i < length; i++) if (valueAt(i) === true) out[c++] = i;
      return c;
    },
    filterSelection,
    count() {
      let c = 0;
      for (let i = 0; i < length; i++) if (valueAt(i) === true) c++;
      return c;
    },
    cond: "valueAt(i) === true",
    explain: () => "valueAt(i) === true",
  };
}
