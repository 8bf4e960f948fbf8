// Random parameters for funnels, retention and retention/addiction, as the API would receive them:
// steps with and without selectors (repeated events included), windows of every length unit,
// units, `on` and `where` over strings, numbers, lists and profiles, birth and compounded
// retention with born_where, interval_count, and ranges inside, across and outside the data.

import type { Random } from "../../seeded-random.js";
import { pick } from "./random-dataset.js";

/** The names of random-dataset.ts, and one that never happens. */
export const EVENTS = ["Buy", "Visit", "Sign up", "constructor", "Missing"];
const SELECTORS = [
  'properties["amount"] > 5',
  'properties["plan"] == "pro"',
  '"pro" in properties["plan"]',
  'defined(properties["$insert_id"])',
  'user["tier"] == "gold"',
  'not defined(properties["flag"])',
  'properties["time"] > datetime(NOW - 86400)',
];
const WHERE = [
  'properties["amount"] > 5',
  'user["tier"] == "gold"',
  'properties["plan"] == "pro"',
  '"pro" in properties["plan"]',
  'properties["distinct_id"] == "u1"',
  'not defined(properties["flag"])',
  'user["age"] >= 30 or properties["flag"]',
];
const ON = [
  'properties["plan"]',
  'properties["amount"]',
  'user["tier"]',
  'user["tags"]',
  'properties["flag"]',
  'properties["distinct_id"]',
  'properties["nested"]',
  'properties["missing"]',
  'properties["plan"] == "pro"',
  '"$overall"',
];

function maybe(
  random: Random,
  p: number,
  params: Record<string, string>,
  key: string,
  value: () => string,
): void {
  if (random() < p) params[key] = value();
}

/** Dates mostly over the data, sometimes outside it; one day for minute and hour units. */
function dates(random: Random, days: readonly string[], unit: string): Record<string, string> {
  if (random() < 0.08) return { from_date: "2023-01-01", to_date: "2023-01-02" };
  if (unit === "minute" || unit === "hour") {
    const d = pick(random, days);
    return { from_date: d, to_date: d };
  }
  const a = Math.floor(random() * days.length);
  const b = Math.min(days.length - 1, a + Math.floor(random() * days.length));
  return { from_date: days[a], to_date: days[b] };
}

function funnelStep(random: Random, names: readonly string[]): string | { event: string; selector?: string } {
  // Now and then a step no event does.
  const event = random() < 0.05 ? "Missing" : pick(random, names);
  if (random() < 0.15) return event;
  return random() < 0.4 ? { event, selector: pick(random, SELECTORS) } : { event };
}

export function randomFunnelQuery(
  random: Random,
  days: readonly string[],
  names: readonly string[] = EVENTS.slice(0, 4),
): Record<string, string> {
  // Minutes are rare: a day of them is 1,440 dates to compare.
  const unit = random() < 0.04 ? "minute" : pick(random, ["hour", "day", "day", "week", "month"]);
  const steps = Array.from({ length: 1 + Math.floor(random() * 4) }, () => funnelStep(random, names));
  const p: Record<string, string> = { events: JSON.stringify(steps), unit, ...dates(random, days, unit) };
  if (random() < 0.7) {
    const lengthUnit = pick(random, ["second", "minute", "hour", "day", "week"]);
    p.length_unit = lengthUnit;
    p.length = String(pick(random, lengthUnit === "second" ? [1, 30, 5000, 90000] : [1, 2, 3]));
  }
  maybe(random, 0.4, p, "on", () => pick(random, ON));
  maybe(random, 0.4, p, "where", () => pick(random, WHERE));
  maybe(random, 0.2, p, "limit", () => String(1 + Math.floor(random() * 3)));
  return p;
}

export function randomRetentionQuery(
  random: Random,
  days: readonly string[],
  names: readonly string[] = EVENTS,
): Record<string, string> {
  const unit = pick(random, ["day", "day", "week", "month"]);
  const p: Record<string, string> = { unit, ...dates(random, days, unit) };
  p.retention_type = pick(random, ["birth", "birth", "compounded"]);
  if (p.retention_type === "birth" || random() < 0.3) p.born_event = pick(random, names);
  maybe(random, 0.7, p, "event", () => pick(random, names));
  maybe(random, 0.3, p, "born_where", () => pick(random, WHERE));
  maybe(random, 0.3, p, "where", () => pick(random, WHERE));
  maybe(random, 0.6, p, "interval_count", () => String(pick(random, [1, 2, 3, 5, 12])));
  maybe(random, 0.35, p, "on", () => pick(random, ON));
  maybe(random, 0.2, p, "limit", () => String(1 + Math.floor(random() * 3)));
  return p;
}

export function randomAddictionQuery(
  random: Random,
  days: readonly string[],
  names: readonly string[] = EVENTS,
): Record<string, string> {
  const unit = pick(random, ["day", "week", "month"]);
  const p: Record<string, string> = { unit, ...dates(random, days, unit) };
  if (unit !== "day") maybe(random, 0.5, p, "addiction_unit", () => pick(random, ["hour", "day"]));
  maybe(random, 0.7, p, "event", () => pick(random, names));
  maybe(random, 0.3, p, "where", () => pick(random, WHERE));
  return p;
}
