// Prometheus metrics of one server process. Every stage reports through these few instruments;
// /metrics renders them.
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { IngestMetric } from "../ingest/metrics.js";
import type { QueueStats } from "../queue/queue.js";

/**
 * Counts for a labelled counter, kept in plain numbers and handed to prom-client when /metrics is
 * read (the counter's `collect`): prom-client hashes the label values on every inc, which on the
 * ingest path cost more than the rest of the metrics together. Up to two label values, looked up
 * without building a key.
 */
class PendingCounts {
  readonly #slots = new Map<string, Map<string | number, { readonly values: string[]; count: number }>>();

  add(count: number, first: string, second?: string | number): void {
    let inner = this.#slots.get(first);
    if (inner === undefined) {
      inner = new Map();
      this.#slots.set(first, inner);
    }
    const key = second ?? "";
    let slot = inner.get(key);
    if (slot === undefined) {
      slot = { values: second === undefined ? [first] : [first, String(second)], count: 0 };
      inner.set(key, slot);
    }
    slot.count += count;
  }

  /** Adds what was counted since the last read to `counter`. */
  flushInto<T extends string>(counter: Counter<T>): void {
    for (const inner of this.#slots.values()) {
      for (const slot of inner.values()) {
        if (slot.count === 0) continue;
        counter.labels(...slot.values).inc(slot.count);
        slot.count = 0;
      }
    }
  }
}

export class TallyMetrics {
  readonly registry = new Registry();

  readonly httpRequests: Counter<"route" | "status"> = new Counter({
    name: "tally_http_requests_total",
    help: "HTTP requests answered, by route and status code",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
    collect: (): void => this.#requests.flushInto(this.httpRequests),
  });

  readonly recordsAccepted: Counter<"kind"> = new Counter({
    name: "tally_records_accepted_total",
    help: "Records accepted and made durable, by kind (event, engage, groups)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
    collect: (): void => this.#accepted.flushInto(this.recordsAccepted),
  });

  readonly recordsRejected: Counter<"reason"> = new Counter({
    name: "tally_records_rejected_total",
    help: "Records rejected, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
    collect: (): void => this.#rejected.flushInto(this.recordsRejected),
  });

  readonly recordsSkipped = new Counter({
    name: "tally_records_skipped_total",
    help: "Queued records the processor could not apply (an alias already taken, an unknown project …), by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly resultCacheLookups = new Counter({
    name: "tally_query_result_cache_lookups_total",
    help: "Lookups of cached query results over closed days, by outcome (hit, miss)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly backThreadRestarts = new Counter({
    name: "tally_back_thread_restarts_total",
    help: "Times the back thread (processing, store, queries) died or failed to start again; each is retried",
    registers: [this.registry],
  });

  readonly bodiesArriving = new Gauge({
    name: "tally_ingest_arriving_body_bytes",
    help: "Bytes of request bodies still arriving, all requests together; at the budget's limit requests get 503 (reason busy)",
    labelNames: ["of"] as const,
    registers: [this.registry],
    collect: (): void => {
      const budget = this.#arriving;
      if (budget === undefined) return;
      this.bodiesArriving.set({ of: "held" }, budget.held);
      this.bodiesArriving.set({ of: "limit" }, budget.maxBytes);
    },
  });

  #arriving: { readonly held: number; readonly maxBytes: number } | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "tally_" });
  }

  private queueStats: (() => QueueStats) | undefined;

  /** What the ingest handler reports, counted: once per request, so in plain numbers. */
  countIngest(m: IngestMetric): void {
    switch (m.type) {
      case "request":
        this.#requests.add(1, m.route, m.status);
        break;
      case "accepted":
        this.#accepted.add(m.count, m.kind);
        break;
      case "rejected":
        this.#rejected.add(m.count, m.reason);
        break;
    }
  }

  readonly #requests = new PendingCounts();
  readonly #accepted = new PendingCounts();
  readonly #rejected = new PendingCounts();

  /** The ingest handler's budget of bodies still arriving (ingest/body-budget.ts). */
  watchArrivingBodies(budget: { readonly held: number; readonly maxBytes: number }): void {
    this.#arriving = budget;
  }

  watchQueue(stats: () => QueueStats): void {
    this.queueStats = stats;
  }

  async render(): Promise<string> {
    const text = await this.registry.metrics();
    return this.queueStats ? text + renderQueueStats(this.queueStats()) : text;
  }
}

function metric(name: string, type: string, help: string, lines: string[]): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.join("\n")}\n`;
}

/** Prometheus text for the queue; the fsync histogram's buckets become cumulative here. */
export function renderQueueStats(s: QueueStats): string {
  const h = s.fsyncSeconds;
  const buckets: string[] = [];
  let cumulative = 0;
  h.bounds.forEach((bound, i) => {
    cumulative += h.counts[i];
    buckets.push(`tally_queue_fsync_seconds_bucket{le="${bound}"} ${cumulative}`);
  });
  buckets.push(`tally_queue_fsync_seconds_bucket{le="+Inf"} ${h.count}`);
  buckets.push(`tally_queue_fsync_seconds_sum ${h.sum}`, `tally_queue_fsync_seconds_count ${h.count}`);
  return [
    metric("tally_queue_depth", "gauge", "Records appended but not committed by the slowest consumer", [
      `tally_queue_depth ${s.depth}`,
    ]),
    metric("tally_queue_bytes", "gauge", "Bytes the queue holds on disk", [`tally_queue_bytes ${s.bytes}`]),
    metric("tally_queue_records_total", "counter", "Records made durable by the queue", [
      `tally_queue_records_total ${s.records}`,
    ]),
    metric("tally_queue_full_total", "counter", "Appends refused: disk bound reached or disk full", [
      `tally_queue_full_total ${s.rejectedFull}`,
    ]),
    metric("tally_queue_fsyncs_total", "counter", "Group-commit fsyncs", [
      `tally_queue_fsyncs_total ${s.fsyncs}`,
    ]),
    metric("tally_queue_fsync_seconds", "histogram", "Latency of the queue's group-commit fsyncs", buckets),
  ].join("");
}
