// What the rows and tables a query holds while it runs may take: the per-user rows of a funnel or
// retention, the numbers of a numeric segmentation, the distinct-user tables. Each query has its own
// bound (EngineLimits.maxQueryBytes, a 400 naming it), and every query the server runs at once
// charges one shared pool, so that the eight queries it admits together cannot exhaust the memory
// ingestion runs in: past the pool, a query is refused as busy (503, retry) and what it held goes
// back at once. Charges follow what a query asks for as it grows, not the arrays' exact capacity.

import { totalmem } from "node:os";
import { QueryLimitError } from "./limits.js";

/** Shared by the queries of one server. */
export class MemoryPool {
  used = 0;

  constructor(readonly maxBytes: number) {}
}

/** The server's default pool: 2 GiB, or a quarter of the machine's memory when that is less. */
export function defaultMemoryPool(): MemoryPool {
  return new MemoryPool(Math.min(2 * GIB, Math.floor(totalmem() / 4)));
}

const GIB = 1024 * 1024 * 1024;

/** Every query's memory is busy: the query may succeed once others are done. */
export class MemoryBusyError extends Error {
  readonly code = "memory_busy";

  constructor(message: string) {
    super(message);
    this.name = "MemoryBusyError";
  }
}

/** One query's account; `release` when the query is done, however it ended. */
export class QueryMemory {
  #held = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly pool?: MemoryPool,
  ) {}

  get held(): number {
    return this.#held;
  }

  /** Takes `bytes` more for `what` (a few words naming what grows, for the message). */
  charge(bytes: number, what: string): void {
    if (bytes <= 0) return;
    if (this.#held + bytes > this.maxBytes) {
      throw new QueryLimitError(
        "maxQueryBytes",
        `${what} would hold more than ${mib(this.maxBytes)} MiB; narrow the range, the events or "on"`,
      );
    }
    const pool = this.pool;
    if (pool !== undefined) {
      if (pool.used + bytes > pool.maxBytes) {
        throw new MemoryBusyError(
          `the queries running now hold ${mib(pool.used)} of the server's ${mib(pool.maxBytes)} MiB; retry shortly`,
        );
      }
      pool.used += bytes;
    }
    this.#held += bytes;
  }

  release(): void {
    if (this.pool !== undefined) this.pool.used -= this.#held;
    this.#held = 0;
  }
}

/** MiB with a decimal when it would round to nothing. */
function mib(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return value >= 10 ? String(Math.round(value)) : value.toFixed(1);
}
