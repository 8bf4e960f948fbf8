// What the ingestion API reports, for the lead's /metrics to count. One call per request outcome and
// per rejection reason, never per accepted record.

import type { RecordKind } from "../queue/envelope.js";

export type IngestRoute = "track" | "engage" | "groups" | "import" | "decide";

export type IngestMetric =
  /** A request was answered with this HTTP status. */
  | { readonly type: "request"; readonly route: IngestRoute; readonly status: number }
  /** Records made durable. */
  | { readonly type: "accepted"; readonly kind: RecordKind; readonly count: number }
  /**
   * Records refused, by the rule they broke or the request-level reason (a request that could not be
   * decoded at all counts as one record).
   */
  | { readonly type: "rejected"; readonly reason: string; readonly count: number };

export type MetricSink = (metric: IngestMetric) => void;
