// The eight kinds of value an expression computes with (spec/expressions.md, "Values").

/** A point in time. Comparisons see whole seconds, so only whole seconds are kept. */
export class DateTime {
  readonly seconds: number;
  constructor(seconds: number) {
    this.seconds = Math.floor(seconds);
  }
}

/**
 * A JSON object as it arrived. User-supplied keys are data: read members with `Object.hasOwn`
 * (or from a null-prototype object), never with a bare `obj[key]` that could reach the prototype.
 */
export interface JsonObject {
  readonly [key: string]: Value;
}

export type Value = undefined | null | boolean | number | string | DateTime | readonly Value[] | JsonObject;

export type ValueKind =
  | "undefined"
  | "null"
  | "boolean"
  | "number"
  | "string"
  | "datetime"
  | "list"
  | "object";

export function kindOf(v: Value): ValueKind {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return "string";
  }
  if (v instanceof DateTime) return "datetime";
  if (Array.isArray(v)) return "list";
  return "object";
}

/** What an evaluation may read besides the event: fixed for one query. */
export interface EvalContext {
  /** `NOW`: the query's start, Unix seconds. */
  readonly now: number;
  /** IANA zone of the project, for `string(datetime)` and `datetime("YYYY-MM-DD")`. */
  readonly timeZone: string;
}

/**
 * One event (or profile) as the row-object evaluators see it. `time` on an event is a number of
 * seconds (possibly with a fraction); accessors turn the `time` property into a datetime.
 */
export interface EventRow {
  readonly properties: JsonObject;
  /** The profile of the event's user, for `user["k"]`; absent when not loaded. */
  readonly user?: JsonObject;
}
