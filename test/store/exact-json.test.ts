import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Value } from "../../src/expr/value.js";
import { EventStore } from "../../src/store/event-store.js";
import { sameJson, stringifyExact } from "../../src/store/exact-json.js";
import type { StoredEvent } from "../../src/store/stored-event.js";
import { seededRandom } from "../seeded-random.js";
import { randomValue } from "./random-events.js";
import { exactText, readAll, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const T = Date.UTC(2024, 2, 9, 12) / 1000;

/** Values whose texts differ in one detail each: -0, key order, kind, nesting, `__proto__`. */
const NEAR: readonly (readonly [string, string])[] = [
  ["[0]", "[-0]"],
  ['{"a":1,"b":2}', '{"b":2,"a":1}'],
  ['{"a":1}', '{"a":1,"b":null}'],
  ['["1"]', "[1]"],
  ["[[]]", "[{}]"],
  ['{"0":1}', "[1]"],
  ['{"__proto__":{"x":1}}', '{"__proto__":{"x":2}}'],
  ['{"__proto__":[]}', '{"y":[]}'],
  ["[true,false]", "[false,true]"],
  ["[null]", "[{}]"],
  ['[1,[2,[3,{"k":"v"}]]]', '[1,[2,[3,{"k":"w"}]]]'],
];

test("two parsed values are the same exactly when their exact texts are", () => {
  for (const [a, b] of NEAR) {
    assert.equal(sameJson(JSON.parse(a), JSON.parse(a)), true, a);
    assert.equal(sameJson(JSON.parse(a), JSON.parse(b)), false, `${a} ${b}`);
    assert.equal(sameJson(JSON.parse(b), JSON.parse(a)), false, `${b} ${a}`);
  }
  const rand = seededRandom(3);
  for (let i = 0; i < 2_000; i++) {
    const a = randomValue(rand);
    // A copy through its exact text is the same; another random value mostly is not.
    const copy = JSON.parse(stringifyExact(a) ?? "null") as Value;
    assert.equal(sameJson(a, copy), true, stringifyExact(a));
    const b =
      rand() < 0.5 ? randomValue(rand) : (JSON.parse(stringifyExact(randomValue(rand)) ?? "null") as Value);
    assert.equal(
      sameJson(a, b),
      stringifyExact(a) === stringifyExact(b),
      `${stringifyExact(a)} ${stringifyExact(b)}`,
    );
  }
});

test("lists and objects repeated from row to row, or nearly, are sealed exactly", async () => {
  const events: StoredEvent[] = [];
  for (const [a, b] of NEAR) {
    // One user's rows in time order: the same value twice, then its near twin, then the first again.
    for (const text of [a, a, b, a]) {
      const offset = events.length;
      events.push({
        event: "e",
        distinctId: "u",
        time: T + offset,
        insertId: `i${offset}`,
        properties: { v: JSON.parse(text), w: JSON.parse(text) },
        offset,
      });
    }
  }
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    await store.append(1, "UTC", events);
    await store.sealAll();
    assert.deepEqual(exactText(readAll(store, 1)), exactText(events));
  } finally {
    await store.close();
  }
});
