// Seeded random stored events with values of every JSON kind, for the store's property tests.

import type { JsonObject, Value } from "../../src/expr/value.js";
import type { StoredEvent } from "../../src/store/stored-event.js";

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  1.5,
  0.1,
  1e308,
  -1e308,
  5e-324,
  2 ** 53,
  2 ** 60,
  -(2 ** 63),
  123456.789,
  1e21,
  7.389,
];
const STRINGS = [
  "",
  "DE",
  "US",
  "é",
  "日本語",
  "emoji 😀",
  "\ud800",
  "lone \udc00 low",
  "a\u0000b",
  '"quoted"',
  "line\nbreak",
];
const NAMES = [
  "country",
  "amount",
  "__proto__",
  "constructor",
  "toString",
  "",
  "ключ",
  "$os",
  "10",
  "nested",
  "list",
  "mixed",
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function randomNumber(rand: () => number): number {
  const r = rand();
  if (r < 0.4) return pick(rand, NUMBERS);
  if (r < 0.7) return Math.floor(rand() * 1000);
  if (r < 0.9) return Math.round(rand() * 100000) / 100;
  return (rand() - 0.5) * 1e10;
}

function randomObject(rand: () => number, depth: number): JsonObject {
  const out: Record<string, Value> = {};
  const n = Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const key = pick(rand, NAMES);
    Object.defineProperty(out, key, {
      value: randomValue(rand, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export function randomValue(rand: () => number, depth = 0): Value {
  const r = rand();
  if (r < 0.08) return null;
  if (r < 0.16) return rand() < 0.5;
  if (r < 0.45) return randomNumber(rand);
  if (r < 0.75) return pick(rand, STRINGS) + (rand() < 0.5 ? "" : String(Math.floor(rand() * 20)));
  if (depth >= 3) return "deep";
  if (r < 0.88) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  return randomObject(rand, depth);
}

/**
 * `count` events with offsets from `firstOffset`, times spread over `days` days from `startSeconds`,
 * a few users, and properties of every JSON kind (a name's kind changes from event to event).
 */
export function randomEvents(
  rand: () => number,
  count: number,
  firstOffset: number,
  startSeconds: number,
  days = 2,
): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let i = 0; i < count; i++) {
    const properties = randomObject(rand, 1);
    if (rand() < 0.5)
      Object.defineProperty(properties, "country", {
        value: pick(rand, ["DE", "US", "FR"]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    const distinctId = pick(rand, ["u1", "u2", "ü3", "user-4", "5", "😀"]);
    events.push({
      event: pick(rand, ["Signup", "Purchase", "Page View", "ünïcode"]),
      distinctId,
      ...(rand() < 0.2 ? { originalDistinctId: `anon-${Math.floor(rand() * 5)}` } : {}),
      time: startSeconds + Math.floor(rand() * days * 86_400_000) / 1000,
      insertId: rand() < 0.8 ? `ins-${Math.floor(rand() * 1e9).toString(36)}` : null,
      properties,
      offset: firstOffset + i,
    });
  }
  return events;
}
