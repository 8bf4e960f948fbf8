// The reply of `funnels` from its tally (src/query/README.md, funnels): per date — and with `on`,
// per date and segment — each step's count, mean times rounded to whole seconds, ratios, and the
// analysis (completion, starting amount, steps, worst step).

import type { FunnelParams } from "../params-funnel.js";
import type { FunnelDateReply, FunnelStepReply } from "../reference/funnel-steps.js";
import type { FunnelReply } from "../reference/funnels.js";
import type { FunnelTally } from "./funnel-tally.js";
import type { TimeSums } from "./funnel-time-sums.js";

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function meanSeconds(sums: TimeSums, at: number, count: number): number | null {
  return count === 0 ? null : Math.round(sums.value(at) / count);
}

/** The funnel of one segment (0: "$overall") on one date. */
export function funnelDateReply(
  tally: FunnelTally,
  segment: number,
  bucket: number,
  params: FunnelParams,
): FunnelDateReply {
  const base = tally.base(segment, bucket);
  const counts = tally.counts;
  const steps = params.steps.map((step, i): FunnelStepReply => {
    const count = counts[base + i];
    return {
      count,
      avg_time: i === 0 ? null : meanSeconds(tally.fromPrevious, base + i, count),
      avg_time_from_start: i === 0 ? null : meanSeconds(tally.fromStart, base + i, count),
      step_conv_ratio: ratio(count, counts[base + (i === 0 ? 0 : i - 1)]),
      overall_conv_ratio: ratio(count, counts[base]),
      goal: step.event,
      event: step.event,
    };
  });
  return {
    steps,
    analysis: {
      completion: steps[steps.length - 1].overall_conv_ratio,
      starting_amount: counts[base],
      steps: steps.length,
      worst: worstStep(steps),
    },
  };
}

/** The 1-based step among 2…n with the lowest step ratio, the earliest on ties; 1 for one step. */
function worstStep(steps: readonly FunnelStepReply[]): number {
  let worst = 1;
  for (let i = 1; i < steps.length; i++) {
    if (worst === 1 || steps[i].step_conv_ratio < steps[worst - 1].step_conv_ratio) worst = i + 1;
  }
  return worst;
}

/**
 * Without `on`: date → the overall funnel. With `on`: date → each of `listed` ("$overall" first),
 * the segment in slot i of the tally being `listed[i]`.
 */
export function funnelReply(
  labels: readonly string[],
  tally: FunnelTally,
  params: FunnelParams,
  listed: readonly string[] | undefined,
): FunnelReply {
  const data: FunnelReply["data"] = {};
  labels.forEach((label, b) => {
    if (listed === undefined) {
      data[label] = funnelDateReply(tally, 0, b, params);
      return;
    }
    const bySegment: Record<string, FunnelDateReply> = Object.create(null);
    listed.forEach((name, slot) => {
      bySegment[name] = funnelDateReply(tally, slot, b, params);
    });
    data[label] = bySegment;
  });
  return { meta: { dates: [...labels] }, data };
}
