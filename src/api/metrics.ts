// Prometheus metrics of one server process. Every stage reports through these few instruments;
// /metrics renders them.
import { Counter, collectDefaultMetrics, Registry } from "prom-client";
import type { IngestMetric } from "../ingest/metrics.js";
import type { QueueStats } from "../queue/queue.js";

/**
 * A labelled counter's children by label values: prom-client hashes a label object on every inc,
 * which on the ingest path cost more than the rest of the metrics together.
 */
class BoundChildren<T extends string> {
  readonly #children = new Map<string, { inc(value?: number): void }>();

  constructor(private readonly counter: Counter<T>) {}

  get(...values: string[]): { inc(value?: number): void } {
    const key = values.join("\u0000");
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.counter.labels(...values);
      this.#children.set(key, child);
    }
    return child;
  }
}

export class TallyMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: "tally_http_requests_total",
    help: "HTTP requests answered, by route and status code",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });

  readonly recordsAccepted = new Counter({
    name: "tally_records_accepted_total",
    help: "Records accepted and made durable, by kind (event, engage, groups)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });

  readonly recordsRejected = new Counter({
    name: "tally_records_rejected_total",
    help: "Records rejected, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
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

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "tally_" });
  }

  private queueStats: (() => QueueStats) | undefined;

  /** The queue's own counters are read at scrape time rather than mirrored on every append. */
  /** What the ingest handler reports, counted: once per request, so through bound children. */
  countIngest(m: IngestMetric): void {
    switch (m.type) {
      case "request":
        this.#requests.get(m.route, String(m.status)).inc();
        break;
      case "accepted":
        this.#accepted.get(m.kind).inc(m.count);
        break;
      case "rejected":
        this.#rejected.get(m.reason).inc(m.count);
        break;
    }
  }

  readonly #requests = new BoundChildren(this.httpRequests);
  readonly #accepted = new BoundChildren(this.recordsAccepted);
  readonly #rejected = new BoundChildren(this.recordsRejected);

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
