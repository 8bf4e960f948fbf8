// Why one record was rejected: the field it concerns, the rule it broke (also the metrics label) and a
// sentence for the client. Only built on failure, so valid records cost no allocation here.

export type RecordRule =
  | "not_an_object"
  | "invalid_event_name"
  | "invalid_properties"
  | "too_many_properties"
  | "property_name_too_long"
  | "nesting_too_deep"
  | "list_too_long"
  | "record_too_large"
  | "invalid_time"
  | "time_out_of_range"
  | "missing_time"
  | "invalid_distinct_id"
  | "missing_distinct_id"
  | "invalid_insert_id"
  | "missing_insert_id"
  | "missing_token"
  | "unknown_token"
  | "invalid_identity_event"
  | "invalid_group"
  | "no_operation"
  | "several_operations"
  | "invalid_operation_value"
  | "invalid_modifier";

export interface RecordProblem {
  /** Dotted path from the record's root, e.g. `properties.time` or `$set.plan`. */
  field: string;
  readonly rule: RecordRule;
  readonly message: string;
}

export function problem(field: string, rule: RecordRule, message: string): RecordProblem {
  return { field, rule, message };
}

/** Prefixes the path of a problem found inside a nested value. */
export function within(parent: string, found: RecordProblem): RecordProblem {
  found.field = found.field === "" ? parent : parent + "." + found.field;
  return found;
}
