// The hand-off between ingest (which must never stall) and processing (which may). Two backends
// implement this contract: the embedded log in this folder (log.ts) and, at scale, NATS JetStream.
// Everything a backend must promise is written here; everything else is its own business.

/** A record's position in the queue: 0, 1, 2, … in append order, never reused. */
export type Offset = number;

/** What an append got: its records hold offsets `first` … `first + count - 1`, in the given order. */
export interface AppendReceipt {
  readonly first: Offset;
  readonly count: number;
}

/** One record as a consumer sees it. `payload` is exactly the bytes that were appended. */
export interface QueueRecord {
  readonly offset: Offset;
  readonly payload: Buffer;
}

/** How much one `read` may return. At least one record is returned when any is available. */
export interface ReadLimits {
  readonly maxRecords?: number;
  readonly maxBytes?: number;
}

export interface Queue {
  /**
   * Appends payloads as one batch. Resolves only once they are durable (an fsync covered them), so
   * a reply built on the receipt survives a crash. Rejects with a QueueError: `queue_full` when the
   * disk bound is hit or the disk is full (never a silent drop), `record_too_large`, `queue_closed`,
   * `queue_io` for anything else the disk said. The buffers must not change until it settles.
   */
  append(payloads: readonly Buffer[]): Promise<AppendReceipt>;

  /**
   * Opens the named consumer, positioned at its last committed offset (or the oldest record still
   * kept, the first time). One open consumer per name at a time.
   */
  consumer(name: string): Promise<QueueConsumer>;

  /** Counters for /metrics; cheap enough to call on every scrape. */
  stats(): QueueStats;

  /** Finishes the appends already accepted, then releases every file. */
  close(): Promise<void>;
}

/** At-least-once consumption: whatever was read but not committed is read again after a restart. */
export interface QueueConsumer {
  readonly name: string;
  /** Every record below this offset is done. */
  readonly committed: Offset;
  /** The offset the next `read` starts from. */
  readonly position: Offset;

  /**
   * Reads durable records from `position` on and advances it; an empty array when there are none.
   * One read at a time per consumer.
   */
  read(limits?: ReadLimits): Promise<QueueRecord[]>;

  /**
   * Resolves true once a record at or past `position` exists, without polling; false as soon as the
   * queue is closed or the signal aborted.
   */
  waitForRecords(signal?: AbortSignal): Promise<boolean>;

  /** Durably marks everything below `offset` as done. `offset` may not pass `position`. */
  commit(offset: Offset): Promise<void>;

  /** Moves `position` back to `committed`, to read again what a failed batch left unfinished. */
  rewind(): void;

  /** Records appended but not yet committed by this consumer. */
  depth(): number;

  close(): Promise<void>;
}

/** Latency histogram in seconds, in the shape Prometheus wants: counts per upper bound. */
export interface LatencyHistogram {
  /** Upper bounds in seconds, ascending; an implicit +Inf bucket follows. */
  readonly bounds: readonly number[];
  /** `counts[i]` observations fell in (bounds[i-1], bounds[i]]; the last entry is the +Inf bucket. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export interface QueueStats {
  /** Append calls that became durable. */
  readonly appends: number;
  /** Records that became durable. */
  readonly records: number;
  /** Appends refused as `queue_full`. */
  readonly rejectedFull: number;
  /** Durability barriers issued (fsyncs for the log; publish acknowledgements for a broker). */
  readonly fsyncs: number;
  readonly fsyncSeconds: LatencyHistogram;
  /** Records appended but not committed by the slowest consumer. */
  readonly depth: number;
  /** Bytes of records the queue holds on disk (an embedded log's tail may hold zeros beyond them). */
  readonly bytes: number;
  /** The offset the next appended record gets. */
  readonly nextOffset: Offset;
}

export type QueueErrorCode =
  | "queue_full"
  | "queue_closed"
  | "queue_corrupt"
  | "queue_io"
  | "queue_locked"
  | "record_too_large"
  | "invalid_offset"
  | "invalid_consumer";

/** Every failure a queue reports carries a code; the HTTP layer maps codes to replies in one place. */
export class QueueError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "QueueError";
  }
}

/** The disk bound is hit or the disk is full: the caller should answer 503 and let the client retry. */
export class QueueFullError extends QueueError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("queue_full", message, options);
    this.name = "QueueFullError";
  }
}

export function isQueueError(error: unknown): error is QueueError {
  return error instanceof QueueError;
}
