// Hand-checked funnels over a tiny data set, so that the engine and the reference cannot agree on
// a wrong rule: ties in time go by ingestion order, the window is inclusive, a later copy of a
// duplicate is the one that counts, an alias merges two ids, "no user" ids never count, one event
// does at most one step, and `on` lists "$overall" first.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Value } from "../../../src/expr/value.js";
import { funnels } from "../../../src/query/engine/funnels.js";
import { parseFunnelParams } from "../../../src/query/params-funnel.js";
import type { Dataset, StoredEvent } from "../../../src/query/reference/dataset.js";
import * as reference from "../../../src/query/reference/funnels.js";
import { asJson } from "./endpoints.js";
import { loadDataset } from "./helpers.js";

/** 2024-01-15T00:00:00Z */
const DAY = 1705276800;

function event(
  offset: number,
  name: string,
  id: string,
  at: number,
  extra: { insertId?: string; plan?: Value } = {},
): StoredEvent {
  const time = DAY + at;
  return {
    event: name,
    distinctId: id,
    time,
    insertId: extra.insertId ?? null,
    properties: { distinct_id: id, time, ...(extra.plan === undefined ? {} : { plan: extra.plan }) },
    offset,
  };
}

const EVENTS: StoredEvent[] = [
  // u1: A then B at one instant, A ingested first: converts in 0 s.
  event(1, "A", "u1", 1000, { plan: "pro" }),
  event(2, "B", "u1", 1000),
  // u2: B ingested before A at one instant does not follow it; the next B is 61 s later.
  event(3, "B", "u2", 1000),
  event(4, "A", "u2", 1000, { plan: "free" }),
  event(5, "B", "u2", 1061),
  // a1 is u1: a second A on the same date is no second entry.
  event(6, "A", "a1", 2000),
  event(7, "B", "a1", 2010),
  // u3: B exactly the window after A converts.
  event(8, "A", "u3", 1500, { plan: ["pro", "team"] }),
  event(9, "B", "u3", 1560),
  // Nobody's events never count.
  event(10, "A", "anonymous", 1000),
  event(11, "B", "anonymous", 1001),
  // u4: two copies of A in one second; the later one (at .5) is the event, 59.9 s before B.
  event(12, "A", "u4", 1700, { insertId: "x" }),
  event(13, "A", "u4", 1700.5, { insertId: "x" }),
  event(14, "B", "u4", 1760.4),
];

const DATASET: Dataset = {
  events: EVENTS,
  aliases: new Map([["a1", "u1"]]),
  profiles: new Map(),
  timeZone: "UTC",
  now: DAY + 86400,
};

const BASE = { from_date: "2024-01-15", to_date: "2024-01-15", length: "1", length_unit: "minute" };

interface StepCounts {
  steps: { count: number; avg_time: number | null }[];
  analysis: { completion: number; worst: number; starting_amount: number };
}

describe("funnels over a hand-made data set", () => {
  it("counts ties by ingestion order, an inclusive window, the latest copy and aliases", async (t) => {
    const loaded = await loadDataset(t, DATASET, { sealAfter: [6] });
    const q = new URLSearchParams({ ...BASE, events: JSON.stringify(["A", "B"]) });
    const reply = asJson(await funnels(loaded.source, parseFunnelParams(q))) as {
      data: Record<string, StepCounts>;
    };
    const day = reply.data["2024-01-15"];
    assert.deepEqual(
      day.steps.map((s) => [s.count, s.avg_time]),
      [
        [4, null],
        [3, 40],
      ],
    );
    assert.deepEqual(day.analysis, { completion: 0.75, starting_amount: 4, steps: 2, worst: 2 });
    assert.deepEqual(reply, asJson(reference.funnels(DATASET, parseFunnelParams(q))));
  });

  it("lets one event do one step only", async (t) => {
    const loaded = await loadDataset(t, DATASET);
    const q = new URLSearchParams({
      ...BASE,
      events: JSON.stringify(["A", "A"]),
      length: "1",
      length_unit: "day",
    });
    const reply = asJson(await funnels(loaded.source, parseFunnelParams(q))) as {
      data: Record<string, StepCounts>;
    };
    // Only u1 (through a1) did A twice; u4's two copies are one event.
    assert.deepEqual(
      reply.data["2024-01-15"].steps.map((s) => s.count),
      [4, 1],
    );
  });

  it("segments by `on` at the entry, $overall first", async (t) => {
    const loaded = await loadDataset(t, DATASET);
    const q = new URLSearchParams({ ...BASE, events: JSON.stringify(["A", "B"]), on: 'properties["plan"]' });
    const reply = asJson(await funnels(loaded.source, parseFunnelParams(q))) as {
      data: Record<string, Record<string, StepCounts>>;
    };
    const day = reply.data["2024-01-15"];
    assert.deepEqual(Object.keys(day), ["$overall", "pro", "free", "team", "undefined"]);
    assert.deepEqual(
      Object.entries(day).map(([segment, f]) => [segment, f.steps[0].count, f.steps[1].count]),
      [
        ["$overall", 4, 3],
        ["pro", 2, 2],
        ["free", 1, 0],
        ["team", 1, 1],
        ["undefined", 1, 1],
      ],
    );
  });

  it("tallies only the listed segments of `on`, so `limit` bounds its memory", async (t) => {
    const loaded = await loadDataset(t, DATASET);
    const source = { ...loaded.source, limits: { maxCells: 8 } };
    const q = (limit: string) =>
      parseFunnelParams(
        new URLSearchParams({ ...BASE, events: '["A","B"]', on: 'properties["distinct_id"]', limit }),
      );
    // Five ids as sent: $overall and two segments × one date × two steps fit in 8 cells.
    const reply = asJson(await funnels(source, q("2"))) as { data: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(reply.data["2024-01-15"]), ["$overall", "u1", "u2"]);
    await assert.rejects(funnels(source, q("10")), { name: "QueryLimitError" });
  });
});
