// The numbers of one funnel on one date (and segment): per step, how many passes reached it and
// how long they took, and the reply's `steps` and `analysis` from them.
//
// - count: passes that reached the step.
// - avg_time: mean seconds from the previous step to this one over those passes; avg_time_from_start:
//   mean seconds from the entry. Both rounded to whole seconds (half up), null for step 1 and for a
//   step nobody reached. Sums are exact, so the order passes are added in cannot change them.
// - step_conv_ratio: count / previous step's count; overall_conv_ratio: count / step 1's count; a
//   ratio over 0 is 0, and step 1's ratios are 1 when anyone entered.
// - analysis: completion = the last step's overall_conv_ratio; starting_amount = step 1's count;
//   steps = number of steps; worst = number (1-based) of the step with the lowest step_conv_ratio
//   among steps 2…n, the earliest on ties (1 for a one-step funnel).

import type { FunnelStep } from "../params-funnel.js";
import { ExactSum } from "./exact-sum.js";

export interface FunnelStepReply {
  readonly count: number;
  readonly avg_time: number | null;
  readonly avg_time_from_start: number | null;
  readonly step_conv_ratio: number;
  readonly overall_conv_ratio: number;
  readonly goal: string;
  readonly event: string;
}

export interface FunnelAnalysis {
  readonly completion: number;
  readonly starting_amount: number;
  readonly steps: number;
  readonly worst: number;
}

export interface FunnelDateReply {
  readonly steps: readonly FunnelStepReply[];
  readonly analysis: FunnelAnalysis;
}

export class StepTally {
  readonly counts: number[];
  readonly fromPrevious: ExactSum[];
  readonly fromStart: ExactSum[];

  constructor(steps: number) {
    this.counts = Array.from({ length: steps }, () => 0);
    this.fromPrevious = Array.from({ length: steps }, () => new ExactSum());
    this.fromStart = Array.from({ length: steps }, () => new ExactSum());
  }

  /** One pass: the times of the steps it reached, entry first. */
  add(times: readonly number[]): void {
    times.forEach((t, i) => {
      this.counts[i]++;
      if (i === 0) return;
      this.fromPrevious[i].add(t - times[i - 1]);
      this.fromStart[i].add(t - times[0]);
    });
  }
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function meanSeconds(sum: ExactSum, count: number): number | null {
  return count === 0 ? null : Math.round(sum.value() / count);
}

export function funnelDateReply(tally: StepTally, steps: readonly FunnelStep[]): FunnelDateReply {
  const counts = tally.counts;
  const replies = steps.map(
    (step, i): FunnelStepReply => ({
      count: counts[i],
      avg_time: i === 0 ? null : meanSeconds(tally.fromPrevious[i], counts[i]),
      avg_time_from_start: i === 0 ? null : meanSeconds(tally.fromStart[i], counts[i]),
      step_conv_ratio: ratio(counts[i], counts[i === 0 ? 0 : i - 1]),
      overall_conv_ratio: ratio(counts[i], counts[0]),
      goal: step.event,
      event: step.event,
    }),
  );
  return {
    steps: replies,
    analysis: {
      completion: replies[replies.length - 1].overall_conv_ratio,
      starting_amount: counts[0],
      steps: steps.length,
      worst: worstStep(replies),
    },
  };
}

function worstStep(replies: readonly FunnelStepReply[]): number {
  let worst = 1;
  for (let i = 1; i < replies.length; i++) {
    if (worst === 1 || replies[i].step_conv_ratio < replies[worst - 1].step_conv_ratio) worst = i + 1;
  }
  return worst;
}
