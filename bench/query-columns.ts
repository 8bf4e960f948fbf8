// The few columns the baseline needs (event, user, time, offset, country, plan, amount), taken from
// the very StoredEvents that went into Tally's store, and kept beside it as raw typed-array files so
// that every run loads DuckDB with exactly those events without generating them again.

import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { StoredEvent } from "../src/store/stored-event.js";
import type { DayEvents } from "./query-generate.js";
import type { Users } from "./query-users.js";

/** Rows of the data set; a row's offset is `firstOffset` + its index. */
export interface ColumnChunk {
  readonly length: number;
  readonly firstOffset: number;
  /** EVENT_NAMES index. */
  readonly event: Uint8Array;
  /** Users index (its id is `users.ids[user]`). */
  readonly user: Int32Array;
  readonly time: Float64Array;
  /** COUNTRIES index. */
  readonly country: Uint8Array;
  /** PLANS index, PLANS.length when the event has no plan. */
  readonly plan: Uint8Array;
  /** NaN when the event has no numeric amount. */
  readonly amount: Float64Array;
}

type ColumnName = "event" | "user" | "time" | "country" | "plan" | "amount";
const FILES: readonly [ColumnName, number][] = [
  ["event", 1],
  ["user", 4],
  ["time", 8],
  ["country", 1],
  ["plan", 1],
  ["amount", 8],
];

/** Rows `from` … of a day, as the columns of the StoredEvents made from them. */
export function columnsOf(
  day: DayEvents,
  users: Users,
  from: number,
  events: readonly StoredEvent[],
): ColumnChunk {
  const n = events.length;
  const chunk = {
    length: n,
    firstOffset: day.firstOffset + from,
    event: day.event.slice(from, from + n),
    user: day.user.slice(from, from + n),
    time: new Float64Array(n),
    country: new Uint8Array(n),
    plan: new Uint8Array(n),
    amount: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const e = events[i];
    const amount = e.properties.amount;
    chunk.time[i] = e.time;
    chunk.amount[i] = typeof amount === "number" ? amount : Number.NaN;
    chunk.country[i] = users.country[chunk.user[i]];
    chunk.plan[i] = users.plan[chunk.user[i]];
  }
  return chunk;
}

/** Appends chunks to one file per column in `dir`; chunks must come in offset order from 0. */
export class ColumnFiles {
  private readonly fds: number[];
  private rows = 0;

  constructor(dir: string) {
    this.fds = FILES.map(([name]) => openSync(join(dir, `${name}.bin`), "w"));
  }

  write(chunk: ColumnChunk): void {
    if (chunk.firstOffset !== this.rows)
      throw new Error(`column files: chunk at ${chunk.firstOffset}, expected ${this.rows}`);
    FILES.forEach(([name], k) => {
      const a = chunk[name];
      writeSync(this.fds[k], new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    });
    this.rows += chunk.length;
  }

  close(): void {
    for (const fd of this.fds) closeSync(fd);
  }
}

/** The column files of `rows` rows, `size` rows at a time (one chunk in memory at once). */
export function* readColumnFiles(dir: string, rows: number, size: number): Generator<ColumnChunk> {
  const fds = FILES.map(([name]) => openSync(join(dir, `${name}.bin`), "r"));
  try {
    for (let at = 0; at < rows; at += size) {
      const n = Math.min(size, rows - at);
      const read = <T extends ArrayBufferView>(k: number, make: (n: number) => T): T => {
        const a = make(n);
        const bytes = FILES[k][1];
        readSync(fds[k], new Uint8Array(a.buffer, a.byteOffset, a.byteLength), 0, n * bytes, at * bytes);
        return a;
      };
      yield {
        length: n,
        firstOffset: at,
        event: read(0, (m) => new Uint8Array(m)),
        user: read(1, (m) => new Int32Array(m)),
        time: read(2, (m) => new Float64Array(m)),
        country: read(3, (m) => new Uint8Array(m)),
        plan: read(4, (m) => new Uint8Array(m)),
        amount: read(5, (m) => new Float64Array(m)),
      };
    }
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
