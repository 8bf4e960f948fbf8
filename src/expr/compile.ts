// The compiler's public entry: optimise the tree once per query, then generate evaluators for row
// objects and for column batches. Binding a batch (once per segment) looks up the columns of every
// property the expression reads and specialises the filter to that segment's dictionaries and types.
//
//   const compiled = compile(parse(where), ctx);
//   const bound = compiled.bind(segment);          // once per segment
//   const n = bound.filter(selection);             // indexes of rows whose value is exactly true

import type { ExprNode } from "./ast.js";
import type { ColumnBatch } from "./columns.js";
import { generatedExpr } from "./compiler/generated.js";
import { interpretedExpr } from "./compiler/interpreted.js";
import { SlotTable } from "./compiler/pools.js";
import { optimise } from "./optimise.js";
import { type PropertyRead, propertyReads } from "./reads.js";
import type { EvalContext, EventRow, Value } from "./value.js";
import { nodesOf } from "./walk.js";

export interface CompiledExpr {
  /** "generated" normally; "interpreted" when code could not be generated for this tree. */
  readonly engine: "generated" | "interpreted";
  /** The optimised tree that was compiled. */
  readonly node: ExprNode;
  /** The properties the expression reads, for the storage layer to load. */
  readonly reads: readonly PropertyRead[];
  /** The same value the interpreter gives. */
  evaluateRow(row: EventRow): Value;
  /** `where` semantics: the value is exactly `true`. */
  matchesRow(row: EventRow): boolean;
  bind(batch: ColumnBatch): BoundExpr;
}

/** A compiled expression bound to one batch's columns. */
export interface BoundExpr {
  /** The value of row i, as the interpreter gives it. */
  valueAt(i: number): Value;
  /** Writes the indexes of rows whose value is true into `selection` (room for every row); returns how many. */
  filter(selection: Uint32Array): number;
  /**
   * Keeps those of the first `count` indexes of `input` whose row's value is true, in order, writing
   * them to `selection` (which may be `input` itself, to chain a `where` and a step's selector).
   */
  filterSelection(input: Uint32Array, count: number, selection: Uint32Array): number;
  /** How many rows have the value true. */
  count(): number;
  /**
   * The test the filter runs on each row of this batch, as generated JavaScript over the batch's
   * arrays (`v<n>`) and the row index `i`; "true"/"false" when the batch decides it for every row.
   * It holds no expression text or data; for debugging and tests.
   */
  explain(): string;
}

export interface CompileOptions {
  /** Run the optimiser first (the default); off only to test the code generator on its own. */
  readonly optimise?: boolean;
}

export function compile(node: ExprNode, ctx: EvalContext, options: CompileOptions = {}): CompiledExpr {
  const optimised = options.optimise === false ? node : optimise(node, ctx);
  const reads = propertyReads(optimised);
  const slots = new SlotTable();
  for (const n of nodesOf(optimised)) if (n.kind === "property") slots.slotOf(n);
  try {
    return generatedExpr(optimised, ctx, slots, reads);
  } catch (error) {
    // A stack overflow while generating or parsing code for a pathological tree: run it slowly.
    if (error instanceof RangeError) return interpretedExpr(optimised, ctx, slots, reads);
    throw error;
  }
}
