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
  /**
   * Memory one query holds while it runs (query-memory.ts): per-user rows of a funnel or retention,
   * a numeric segmentation's numbers, distinct-user tables.
   */
  readonly maxQueryBytes: number;
  /** Characters of all segment names together: an `on` that builds long strings is held by this. */
  readonly maxSegmentChars: number;
  /**
   * Characters of a reply's JSON, estimated before it is built: a reply lists every name asked for
   * in every bucket, zeros included, so it can be large with no data behind it at all.
   */
  readonly maxReplyChars: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = Object.freeze({
  maxBatches: 50_000,
  maxSegments: 1_000_000,
  maxCells: 8_000_000,
  maxUniqueBytes: 512 * 1024 * 1024,
  maxQueryBytes: 1024 * 1024 * 1024,
  maxSegmentChars: 64 * 1024 * 1024,
  maxReplyChars: 128 * 1024 * 1024,
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

/**
 * Refuses a reply of `cells` entries of about `charsPerCell` characters each before it is built,
 * when it would hold more than maxCells entries or maxReplyChars characters.
 */
export function checkReplySize(cells: number, charsPerCell: number, limits: EngineLimits): void {
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  if (cells > limits.maxCells) {
    throw new QueryLimitError(
      "maxCells",
      `the reply would hold ${fmt(cells)} values (at most ${fmt(limits.maxCells)}); ask for fewer names, a coarser unit or a shorter range`,
    );
  }
  if (cells * charsPerCell > limits.maxReplyChars) {
    throw new QueryLimitError(
      "maxReplyChars",
      `the reply would be about ${fmt((cells * charsPerCell) / 1048576)} MiB (at most ${fmt(limits.maxReplyChars / 1048576)}); ask for fewer or shorter names, a coarser unit or a shorter range`,
    );
  }
}
