// Keeps a long scan (a query's batches, engage's profiles) from holding the event loop: between
// chunks, once a slice of time has passed, it yields so that ingestion, other requests and the
// query's own timeout can run, and then stops the scan if its signal was aborted meanwhile.

import { setImmediate as nextTurn } from "node:timers/promises";

/** How long a scan runs before it lets the event loop turn. */
const SLICE_MS = 20;

export class Pacer {
  private sliceStart = performance.now();

  constructor(private readonly signal: AbortSignal | undefined) {}

  /** Whether `pause` would yield or throw now: checked per item, it spares a promise an item. */
  get due(): boolean {
    return this.signal?.aborted === true || performance.now() - this.sliceStart >= SLICE_MS;
  }

  /** Call between chunks: throws the signal's reason when aborted. */
  async pause(): Promise<void> {
    this.signal?.throwIfAborted();
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await nextTurn();
    this.sliceStart = performance.now();
    this.signal?.throwIfAborted();
  }
}
