// Timing and memory of one query: a cold run (nothing cached between queries; it is also the
// warm-up), then `runs` timed runs whose median is the figure. Peak memory is the process's
// resident set (RSS), sampled every few milliseconds by a worker thread so that a query which
// holds the main thread (the engine scans synchronously) is still watched.

import { Worker } from "node:worker_threads";

const SAMPLER = `
const { workerData } = require("node:worker_threads");
const shared = new Int32Array(workerData);
let peak = 0;
setInterval(() => {
  const kib = Math.round(process.memoryUsage.rss() / 1024);
  if (Atomics.exchange(shared, 0, 0) === 1) peak = 0;
  if (kib > peak) { peak = kib; Atomics.store(shared, 1, peak); }
}, 2);
`;

/** The highest RSS since the last `reset`, in MiB. */
export class RssSampler {
  private readonly shared = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;

  constructor() {
    this.worker = new Worker(SAMPLER, { eval: true, workerData: this.shared.buffer });
    this.worker.unref();
  }

  reset(): void {
    Atomics.store(this.shared, 1, Math.round(process.memoryUsage.rss() / 1024));
    Atomics.store(this.shared, 0, 1);
  }

  peakMib(): number {
    return Math.max(Atomics.load(this.shared, 1), process.memoryUsage.rss() / 1024) / 1024;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

export function rssMib(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

/** The process's RSS high-water mark since it started (getrusage), in MiB. */
export function maxRssMib(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export interface Timings {
  readonly coldMs: number;
  readonly runsMs: number[];
  readonly medianMs: number;
  readonly rssBeforeMib: number;
  readonly peakRssMib: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Times `run` (cold, then `runs` more); `results` receives each run's result, in order, and
 * `afterCold` is called between the cold run and the others.
 */
export async function measure<T>(
  sampler: RssSampler,
  runs: number,
  run: () => Promise<T> | T,
  results: T[],
  afterCold: () => void = () => {},
): Promise<Timings> {
  collectGarbage();
  const rssBeforeMib = rssMib();
  sampler.reset();
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    results.push(await run());
    times.push(performance.now() - start);
    if (i === 0) afterCold();
  }
  const [coldMs, ...runsMs] = times;
  return { coldMs, runsMs, medianMs: median(runsMs), rssBeforeMib, peakRssMib: sampler.peakMib() };
}
