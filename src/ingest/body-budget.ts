// How many bytes of request bodies the server holds while they are still arriving. Each body is
// capped (IngestLimits.maxBodyBytes), but a body may take up to the request timeout to arrive, so
// many slow clients at once could hold many capped bodies; past this budget a request is refused
// with 503 until others finish, instead of the process running out of memory. node:http's reader
// (node-exchange.ts) and the HTTP lane (api/http1/fast-lane.ts) reserve in the same budget.

export class BodyBudget {
  #held = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes reserved by bodies still arriving. */
  get held(): number {
    return this.#held;
  }

  /** Reserves `bytes` if the budget has room for them; false (and nothing reserved) if not. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.maxBytes) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held -= bytes;
  }
}
