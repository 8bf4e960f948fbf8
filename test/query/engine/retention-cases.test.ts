// Hand-checked retention and addiction over a tiny data set: a return at the very moment of birth
// counts even when ingested before it, a return before birth does not, returns after to_date
// count, compounded cohorts join at each bucket's first return, and every date is listed.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addiction } from "../../../src/query/engine/addiction.js";
import { retention } from "../../../src/query/engine/retention.js";
import { parseAddictionParams, parseRetentionParams } from "../../../src/query/params-retention.js";
import * as referenceAddiction from "../../../src/query/reference/addiction.js";
import type { Dataset, StoredEvent } from "../../../src/query/reference/dataset.js";
import * as reference from "../../../src/query/reference/retention.js";
import { asJson } from "./endpoints.js";
import { loadDataset } from "./helpers.js";

/** 2024-01-15T00:00:00Z, a Monday. */
const DAY = 1705276800;

function event(offset: number, name: string, id: string, day: number, second: number): StoredEvent {
  const time = DAY + day * 86400 + second;
  return { event: name, distinctId: id, time, insertId: null, properties: { distinct_id: id, time }, offset };
}

const DATASET: Dataset = {
  events: [
    // u1 is born on day 0 with a return at the same moment ingested before it, and returns on day 2.
    event(1, "B", "u1", 0, 1000),
    event(2, "A", "u1", 0, 1000),
    event(3, "B", "u1", 2, 50),
    // u2 returns before birth on day 0 (which does not count), then on day 1.
    event(4, "B", "u2", 0, 500),
    event(5, "A", "u2", 0, 1000),
    event(6, "B", "u2", 1, 7200),
    event(7, "B", "u2", 1, 7300),
  ],
  aliases: new Map(),
  profiles: new Map(),
  timeZone: "UTC",
  now: DAY + 3 * 86400,
};

const RANGE = {
  from_date: "2024-01-15",
  to_date: "2024-01-16",
  unit: "day",
  interval_count: "2",
  event: "B",
};

async function both(t: Parameters<typeof loadDataset>[0], q: URLSearchParams): Promise<unknown> {
  const loaded = await loadDataset(t, DATASET, { sealAfter: [3] });
  const reply = asJson(await retention(loaded.source, parseRetentionParams(q)));
  assert.deepEqual(reply, asJson(reference.retention(DATASET, parseRetentionParams(q))));
  return reply;
}

describe("retention over a hand-made data set", () => {
  it("counts birth cohorts from the moment of birth, returns after to_date included", async (t) => {
    const reply = await both(t, new URLSearchParams({ ...RANGE, born_event: "A" }));
    assert.deepEqual(reply, {
      "2024-01-15": { counts: [1, 1, 1], first: 2 },
      "2024-01-16": { counts: [0, 0, 0], first: 0 },
    });
  });

  it("puts users in a compounded cohort at each date they return", async (t) => {
    const reply = await both(t, new URLSearchParams({ ...RANGE, retention_type: "compounded" }));
    assert.deepEqual(reply, {
      "2024-01-15": { counts: [2, 1, 1], first: 2 },
      "2024-01-16": { counts: [1, 0, 0], first: 1 },
    });
  });

  it("counts addiction by distinct hours within each day", async (t) => {
    const loaded = await loadDataset(t, DATASET);
    const q = new URLSearchParams({ from_date: "2024-01-15", to_date: "2024-01-16", event: "B" });
    const reply = asJson(await addiction(loaded.source, parseAddictionParams(q))) as {
      data: Record<string, number[]>;
    };
    assert.deepEqual(reply, asJson(referenceAddiction.addiction(DATASET, parseAddictionParams(q))));
    // Day 0: u1 and u2 each in one hour; day 1: u2 in one (02:00:00 and 02:01:40 share it).
    assert.deepEqual(reply.data["2024-01-15"].slice(0, 3), [2, 0, 0]);
    assert.deepEqual(reply.data["2024-01-16"].slice(0, 3), [1, 0, 0]);
    assert.equal(reply.data["2024-01-15"].length, 24);
  });
});
