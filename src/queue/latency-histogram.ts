// Fsync latency, counted into fixed buckets so /metrics can render a Prometheus histogram.

import type { LatencyHistogram } from "./queue.js";

/** Upper bounds in seconds: 100 µs to 5 s, where fsyncs on SSDs and on tired disks fall. */
export const FSYNC_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

export class LatencyCounter {
  readonly #counts = new Array<number>(FSYNC_BUCKETS.length + 1).fill(0);
  #sum = 0;
  #count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < FSYNC_BUCKETS.length && seconds > FSYNC_BUCKETS[i]) i++;
    this.#counts[i]++;
    this.#sum += seconds;
    this.#count++;
  }

  snapshot(): LatencyHistogram {
    return { bounds: FSYNC_BUCKETS, counts: [...this.#counts], sum: this.#sum, count: this.#count };
  }
}
