// Seeded random data sets for the differential tests: a few hundred events over four days around a
// clock change, with aliases, "no user" ids, duplicates (same event, id as sent, second and insert
// id, later offset) that land in other segments or the buffer — some filed under another stored id,
// as a copy sent again after an $identify is — near-duplicates sent with another id, list and
// object properties, ids sent otherwise than stored, and profiles for user["…"].

import type { JsonObject, Value } from "../../../src/expr/value.js";
import type { Dataset, StoredEvent } from "../../../src/query/reference/dataset.js";
import { type Random, seededRandom } from "../../seeded-random.js";

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** Zones and a day near one of their clock changes (or none, for UTC and India). */
const ZONE_DAYS: readonly (readonly [string, string])[] = [
  ["UTC", "2024-01-15"],
  ["America/New_York", "2024-03-10"],
  ["America/New_York", "2024-11-03"],
  ["Europe/Berlin", "2024-03-31"],
  ["Europe/Berlin", "2024-10-27"],
  ["Asia/Kolkata", "2024-02-29"],
  ["Australia/Lord_Howe", "2024-04-07"],
];

const NAMES = ["Buy", "Visit", "Sign up", "constructor"];
const STORED_IDS = ["u1", "u2", "u3", "u4", "u5", "u6", "a1", "a2", "u7", "anonymous", "", "NULL"];
const ALIASES: Record<string, string> = { a1: "u1", a2: "u2", u5: "u6", u7: "none" };
const PLANS: readonly Value[] = ["pro", "free", "team", ["pro", "team", "pro"], null, 7, true, "__proto__"];
const AMOUNTS: readonly Value[] = [0, 1, 5, 12, 40, 100, -3, 1.5, 0.1, 0.2, 1e21, "7", [1, 2.5, 1], null];

export interface DatasetShape {
  readonly dataset: Dataset;
  /** The local days the events span, "YYYY-MM-DD", first to last. */
  readonly days: readonly string[];
}

function localDate(seconds: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return parts.format(new Date(seconds * 1000));
}

function properties(random: Random, sentId: string, time: number, insertId: string | null): JsonObject {
  const props: Record<string, Value> = { distinct_id: sentId, time: random() < 0.2 ? time * 1000 : time };
  if (insertId !== null) props.$insert_id = insertId;
  if (random() < 0.85) props.plan = pick(random, PLANS);
  if (random() < 0.8) props.amount = pick(random, AMOUNTS);
  if (random() < 0.5) props.flag = random() < 0.5;
  if (random() < 0.1) props.nested = { k: pick(random, [1, 2]) };
  props.token = "t";
  return props;
}

export function randomDataset(seed: number, size = 120): DatasetShape {
  const random = seededRandom(seed);
  const [timeZone, day] = pick(random, ZONE_DAYS);
  const middle = Date.parse(`${day}T12:00:00Z`) / 1000;
  const start = middle - 2 * 86400;
  const events: StoredEvent[] = [];
  for (let offset = 1; offset <= size; offset++) {
    const earlier = events.length > 0 && random() < 0.15 ? pick(random, events) : undefined;
    if (earlier !== undefined && earlier.insertId !== null) {
      // A duplicate: same key, another fraction of the second, other properties, later offset.
      const time = Math.floor(earlier.time) + Math.floor(random() * 1000) / 1000;
      const sent = String(earlier.properties.distinct_id);
      const shape = random();
      // Mostly a copy as it was; else one filed under another person (resolved anew), or an event
      // sent with another id but filed under the same one (not a copy).
      const distinctId =
        shape < 0.6 ? earlier.distinctId : shape < 0.8 ? pick(random, STORED_IDS) : earlier.distinctId;
      const sentId = shape < 0.8 ? sent : `other-${sent}`;
      const props = properties(random, sentId, time, earlier.insertId);
      events.push({ ...earlier, distinctId, time, properties: props, offset });
      continue;
    }
    const distinctId = pick(random, STORED_IDS);
    const sentId = random() < 0.1 ? `sent-${distinctId}` : distinctId;
    const fraction = random() < 0.5 ? 0 : Math.floor(random() * 1000) / 1000;
    const time = Math.floor(start + random() * 4 * 86400) + fraction;
    const insertId = random() < 0.5 ? null : pick(random, ["i1", "i2", "i3", `i${offset}`]);
    const event = pick(random, NAMES);
    events.push({
      event,
      distinctId,
      time,
      insertId,
      properties: properties(random, sentId, time, insertId),
      offset,
    });
  }
  const profiles = new Map<string, JsonObject>();
  for (const user of ["u1", "u2", "u3", "u6"]) {
    if (random() < 0.8) {
      profiles.set(user, {
        tier: pick(random, ["gold", "silver", 3]),
        age: Math.floor(random() * 60),
        tags: ["x", "y"],
      });
    }
  }
  const now = start + Math.floor((1 + random() * 3) * 86400);
  const days: string[] = [];
  for (let t = start - 86400; t <= start + 5 * 86400; t += 3600) {
    const d = localDate(t, timeZone);
    if (days[days.length - 1] !== d) days.push(d);
  }
  return {
    dataset: { events, aliases: new Map(Object.entries(ALIASES)), profiles, timeZone, now },
    days: days.slice(1, -1),
  };
}

/** Seal points: none (all in buffers), some, or after every event chunk. */
export function sealPoints(seed: number, events: number): number[] {
  const random = seededRandom(seed * 7 + 1);
  const points: number[] = [];
  for (let at = 0; at < events; at += 1 + Math.floor(random() * events * 0.4))
    if (random() < 0.6) points.push(at);
  return points;
}
