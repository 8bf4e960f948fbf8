// How query endpoints use expressions (spec/expressions.md, "How results are used"), through the
// reference interpreter.

import { evaluate } from "../../expr/interpret.js";
import { isTrue, segmentKeys } from "../../expr/runtime.js";
import type { EvalContext, Value } from "../../expr/value.js";
import type { Expression } from "../params-read.js";
import type { QueryEvent } from "./query-events.js";

/** A filter keeps an event only when it evaluates to exactly true; no filter keeps everything. */
export function passes(filter: Expression | undefined, e: QueryEvent, ctx: EvalContext): boolean {
  return filter === undefined || isTrue(evaluate(filter.node, e.row, ctx));
}

export function evaluateOn(expr: Expression, e: QueryEvent, ctx: EvalContext): Value {
  return evaluate(expr.node, e.row, ctx);
}

/** The segments an `on` puts an event in: one, or one per distinct element of a list. */
export function segmentsOf(on: Expression, e: QueryEvent, ctx: EvalContext): string[] {
  return segmentKeys(evaluateOn(on, e, ctx), ctx.timeZone);
}
