// What ingest needs from the queue: an append that resolves once the payloads are durable. The real
// Queue (src/queue/queue.ts) satisfies it; tests pass a fake.

export interface IngestSink {
  append(payloads: readonly Buffer[]): Promise<unknown>;
}

/** Failure codes a queue reports (QueueError.code) that mean "not now, retry": answered with 503. */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(["queue_full", "queue_closed", "queue_io"]);

export function sinkErrorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

export function isSinkUnavailable(code: string | undefined): boolean {
  return code !== undefined && UNAVAILABLE_CODES.has(code);
}
