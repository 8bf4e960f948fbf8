// Tally's replies (segmentation, funnels, retention, as the API sends them) in the benchmark's
// plain answer shapes.

import type { FunnelDateReply } from "../src/query/reference/funnel-steps.js";
import type { FunnelReply } from "../src/query/reference/funnels.js";
import type { RetentionCohort, RetentionReply } from "../src/query/reference/retention.js";
import type { SeriesReply } from "../src/query/reference/series.js";
import type { Answer, FunnelDate } from "./query-answers.js";
import type { AnswerKind } from "./query-queries.js";

function seriesAnswer(reply: SeriesReply): Answer {
  const dates = [...reply.data.series];
  const values: Record<string, number[]> = Object.create(null);
  for (const [segment, byDate] of Object.entries(reply.data.values)) {
    values[segment] = dates.map((d) => byDate[d] ?? 0);
  }
  return { kind: "series", dates, values };
}

function funnelAnswer(reply: FunnelReply): Answer {
  const dates = [...reply.meta.dates];
  const byDate = dates.map((d): FunnelDate => {
    // Without `on`, each date holds the overall funnel itself.
    const steps = (reply.data[d] as FunnelDateReply).steps;
    return {
      counts: steps.map((s) => s.count),
      avgTime: steps.map((s) => s.avg_time),
      avgFromStart: steps.map((s) => s.avg_time_from_start),
    };
  });
  return { kind: "funnel", dates, byDate };
}

function retentionAnswer(reply: RetentionReply): Answer {
  const byDate = reply as Record<string, RetentionCohort>;
  const dates = Object.keys(byDate).sort();
  const cohorts = dates.map((d) => ({ first: byDate[d].first, counts: [...byDate[d].counts] }));
  return { kind: "retention", dates, cohorts };
}

/** A reply of the reference or the engine, read the same way: as JSON would carry it. */
export function answerOfReply(kind: AnswerKind, reply: unknown): Answer {
  const json = JSON.parse(JSON.stringify(reply));
  if (kind === "series") return seriesAnswer(json as SeriesReply);
  if (kind === "funnel") return funnelAnswer(json as FunnelReply);
  return retentionAnswer(json as RetentionReply);
}
