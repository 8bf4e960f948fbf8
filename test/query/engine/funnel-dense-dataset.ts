// Seeded data sets dense in what per-user scans must get right: few users (one of them through an
// alias, one a "no user" id), three event names, and times drawn from a small set of instants, so
// that many events share a time (their order is then the ingestion order, which is shuffled against
// time), steps repeat, and duplicates of one event land in other segments. Around a clock change.

import type { JsonObject, Value } from "../../../src/expr/value.js";
import type { StoredEvent } from "../../../src/query/reference/dataset.js";
import { type Random, seededRandom } from "../../seeded-random.js";
import { type DatasetShape, pick } from "./random-dataset.js";

export const DENSE_NAMES = ["A", "B", "C"];

const ZONES: readonly (readonly [string, string])[] = [
  ["UTC", "2024-01-15"],
  ["Europe/Berlin", "2024-10-27"],
  ["America/New_York", "2024-03-10"],
];
const IDS = ["u1", "u2", "a1", "u3", "u4", "anonymous"];
const PLANS: readonly Value[] = ["pro", "free", ["pro", "x"], null];

function properties(random: Random, id: string, time: number, insertId: string | null): JsonObject {
  const props: Record<string, Value> = { distinct_id: id, time };
  if (insertId !== null) props.$insert_id = insertId;
  if (random() < 0.9) props.plan = pick(random, PLANS);
  if (random() < 0.8) props.amount = pick(random, [1, 10]);
  return props;
}

function localDays(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86400000).toISOString().slice(0, 10));
}

export function denseDataset(seed: number, size = 200): DatasetShape {
  const random = seededRandom(seed * 977 + 13);
  const [timeZone, day] = pick(random, ZONES);
  const start = Date.parse(`${day}T00:00:00Z`) / 1000 - 86400;
  // A few hundred instants over three days, some with a fraction of a second.
  const instants = Array.from({ length: 40 + Math.floor(random() * 120) }, () => {
    const t = start + Math.floor(random() * 3 * 48) * 1800;
    return random() < 0.3 ? t + 0.25 : t;
  });
  const events: StoredEvent[] = [];
  for (let offset = 1; offset <= size; offset++) {
    const earlier = events.length > 0 && random() < 0.1 ? pick(random, events) : undefined;
    if (earlier !== undefined && earlier.insertId !== null) {
      const props = properties(random, earlier.distinctId, earlier.time, earlier.insertId);
      events.push({ ...earlier, properties: props, offset });
      continue;
    }
    const distinctId = pick(random, IDS);
    const time = pick(random, instants);
    const insertId = random() < 0.6 ? null : `i${Math.floor(random() * 20)}`;
    events.push({
      event: pick(random, DENSE_NAMES),
      distinctId,
      time,
      insertId,
      properties: properties(random, distinctId, time, insertId),
      offset,
    });
  }
  const profiles = new Map<string, JsonObject>([
    ["u1", { tier: "gold", age: 40, tags: ["x", "y"] }],
    ["u2", { tier: "silver", age: 20, tags: ["y"] }],
  ]);
  return {
    dataset: { events, aliases: new Map([["a1", "u1"]]), profiles, timeZone, now: start + 2 * 86400 },
    days: localDays(new Date((start - 86400) * 1000).toISOString().slice(0, 10), 5),
  };
}
