// Prometheus metrics of one server process. Every stage reports through these few instruments;
// /metrics renders them.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

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

  readonly queueDepth = new Gauge({
    name: "tally_queue_depth",
    help: "Records in the queue not yet committed by the processor",
    registers: [this.registry],
  });

  readonly queueBytes = new Gauge({
    name: "tally_queue_bytes",
    help: "Bytes the queue log holds on disk",
    registers: [this.registry],
  });

  readonly queueFull = new Counter({
    name: "tally_queue_full_total",
    help: "Appends refused because the queue reached its disk bound or the disk is full",
    registers: [this.registry],
  });

  readonly fsyncSeconds = new Histogram({
    name: "tally_queue_fsync_seconds",
    help: "Latency of the queue's group-commit fsyncs",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "tally_" });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
