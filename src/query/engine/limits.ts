// The bounds one query is held to, so a query over a huge range or a high-cardinality `on` fails
// early with a message that says which bound and how to stay under it, instead of exhausting memory.

export interface EngineLimits {
  /** Batches (sealed segments and buffer snapshots) one query may scan. */
  readonly maxBatches: number;
  /** Distinct segments (values of `on`, property values, event names) before `limit` is applied. */
  readonly maxSegments: number;
  /** Segments × buckets a series may hold while counting. */
  readonly maxCells: number;
  /** Memory for counting distinct users per segment and bucket. */
  readonly maxUniqueBytes: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = Object.freeze({
  maxBatches: 50_000,
  maxSegments: 1_000_000,
  maxCells: 8_000_000,
  maxUniqueBytes: 512 * 1024 * 1024,
});

/** A query that would exceed one of its bounds; the API answers it with a 400 naming `bound`. */
export class QueryLimitError extends Error {
  readonly code = "query_limit";

  constructor(
    readonly bound: keyof EngineLimits,
    message: string,
  ) {
    super(message);
    this.name = "QueryLimitError";
  }
}

export function limitsOf(overrides: Partial<EngineLimits> | undefined): EngineLimits {
  return overrides === undefined ? DEFAULT_ENGINE_LIMITS : { ...DEFAULT_ENGINE_LIMITS, ...overrides };
}
