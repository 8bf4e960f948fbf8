// Random parameters for every endpoint the engine answers, as the API would receive them: units,
// types, `on` and `where` over strings, numbers, lists, profiles and the system properties, limits,
// numeric buckets, date ranges inside, across and outside the data, and `interval`.

import type { Random } from "../../seeded-random.js";
import { pick } from "./random-dataset.js";

export type Endpoint =
  | "segmentation"
  | "segmentation/numeric"
  | "segmentation/sum"
  | "segmentation/average"
  | "events"
  | "events/top"
  | "events/names"
  | "events/properties"
  | "events/properties/top"
  | "events/properties/values";

export const ENDPOINTS: readonly Endpoint[] = [
  "segmentation",
  "segmentation/numeric",
  "segmentation/sum",
  "segmentation/average",
  "events",
  "events/top",
  "events/names",
  "events/properties",
  "events/properties/top",
  "events/properties/values",
];

const EVENTS = ["Buy", "Visit", "Sign up", "constructor", "Missing"];
const ON = [
  'properties["plan"]',
  'properties["amount"]',
  'user["tier"]',
  'user["tags"]',
  'properties["flag"]',
  'string(properties["amount"])',
  'properties["distinct_id"]',
  'properties["time"]',
  'properties["nested"]',
  'properties["$insert_id"]',
  'properties["missing"]',
  'properties["plan"] == "pro"',
];
const WHERE = [
  'properties["amount"] > 5',
  'user["tier"] == "gold"',
  'properties["plan"] == "pro"',
  '"pro" in properties["plan"]',
  'defined(properties["$insert_id"])',
  'properties["time"] > datetime(NOW - 86400)',
  'properties["distinct_id"] == "u1"',
  'not defined(properties["flag"])',
  'user["age"] >= 30 or properties["flag"]',
];
const NUMERIC_ON = [
  'properties["amount"]',
  'number(properties["amount"])',
  'user["age"]',
  'properties["plan"]',
];
const PROPERTY_NAMES = [
  "plan",
  "amount",
  "flag",
  "distinct_id",
  "time",
  "nested",
  "$insert_id",
  "missing",
  "token",
];
const UNITS = ["minute", "hour", "day", "week", "month"];
const TYPES = ["general", "unique", "average"];

function maybe(
  random: Random,
  p: number,
  params: Record<string, string>,
  key: string,
  value: () => string,
): void {
  if (random() < p) params[key] = value();
}

/** Dates (mostly over the data, sometimes outside it) or an interval, fitting the unit. */
function period(random: Random, days: readonly string[], unit: string): Record<string, string> {
  if (unit !== "minute" && random() < 0.15) return { interval: String(1 + Math.floor(random() * 3)) };
  if (random() < 0.08) return { from_date: "2023-01-01", to_date: "2023-01-02" };
  if (unit === "minute" || unit === "hour") {
    const d = pick(random, days);
    return { from_date: d, to_date: d };
  }
  const a = Math.floor(random() * days.length);
  const b = Math.min(days.length - 1, a + Math.floor(random() * days.length));
  return { from_date: days[a], to_date: days[b] };
}

export function randomQuery(
  random: Random,
  endpoint: Endpoint,
  days: readonly string[],
): Record<string, string> {
  const unit = pick(random, UNITS);
  const type = pick(random, TYPES);
  const p: Record<string, string> = {};
  switch (endpoint) {
    case "segmentation":
      Object.assign(p, { event: pick(random, EVENTS), unit, type }, period(random, days, unit));
      maybe(random, 0.6, p, "on", () => pick(random, ON));
      maybe(random, 0.5, p, "where", () => pick(random, WHERE));
      maybe(random, 0.3, p, "limit", () => String(1 + Math.floor(random() * 3)));
      break;
    case "segmentation/numeric":
      Object.assign(
        p,
        { event: pick(random, EVENTS), unit, type, on: pick(random, NUMERIC_ON) },
        period(random, days, unit),
      );
      maybe(random, 0.4, p, "where", () => pick(random, WHERE));
      maybe(random, 0.6, p, "buckets", () => String(pick(random, [1, 2, 3, 5, 10])));
      break;
    case "segmentation/sum":
    case "segmentation/average":
      Object.assign(
        p,
        { event: pick(random, EVENTS), unit, on: pick(random, NUMERIC_ON) },
        period(random, days, unit),
      );
      maybe(random, 0.4, p, "where", () => pick(random, WHERE));
      break;
    case "events": {
      const names = EVENTS.filter(() => random() < 0.6);
      Object.assign(
        p,
        { event: JSON.stringify(names.length > 0 ? names : ["Buy"]), unit, type },
        period(random, days, unit),
      );
      break;
    }
    case "events/top":
    case "events/names":
      p.type = type;
      maybe(random, 0.3, p, "limit", () => String(1 + Math.floor(random() * 3)));
      break;
    case "events/properties":
      Object.assign(
        p,
        { event: pick(random, EVENTS), name: pick(random, PROPERTY_NAMES), unit, type },
        period(random, days, unit),
      );
      maybe(random, 0.25, p, "values", () =>
        JSON.stringify(pick(random, [["pro", "free", "pro"], [7, null, true], ["nope"]])),
      );
      maybe(random, 0.3, p, "limit", () => String(1 + Math.floor(random() * 3)));
      break;
    case "events/properties/top":
      p.event = pick(random, EVENTS);
      maybe(random, 0.4, p, "limit", () => String(1 + Math.floor(random() * 4)));
      break;
    case "events/properties/values":
      Object.assign(p, { event: pick(random, EVENTS), name: pick(random, PROPERTY_NAMES) });
      maybe(random, 0.4, p, "limit", () => String(1 + Math.floor(random() * 4)));
      break;
  }
  return p;
}
