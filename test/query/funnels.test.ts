// funnels: entries per date, ordered steps within the window, selectors, times and ratios, `on`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFunnelParams } from "../../src/query/params-funnel.js";
import type { FunnelDateReply } from "../../src/query/reference/funnel-steps.js";
import { type FunnelReply, funnels } from "../../src/query/reference/funnels.js";
import { asJson, datasetOf, type EventSpec, query } from "./dataset-builder.js";

const STEPS = JSON.stringify([
  { event: "View" },
  { event: "Cart" },
  { event: "Buy", selector: 'properties["amount"] > 10' },
]);

// Jan 1: a enters at 10:00 (again at 11:00, ignored), carts at 10:30, buys at 12:00.
//        b enters at 09:00; its Cart 25 hours later is outside the one-day window.
//        c carts at 08:00 (before entering: no), enters 09:00, buys 09:30 (not at that step yet), carts 10:00.
//        d enters as "d-anon" at 08:00 and carts as "d" at 08:10 (the alias makes them one user).
//        "anonymous" enters but is no user.
// Jan 2: b enters at 09:00, carts 10:00, buys 11:00 for 5 (selector says no) and 12:00 for 50.
const JOURNEYS: EventSpec[] = [
  { event: "View", user: "a", time: "2024-01-01T10:00:00Z" },
  { event: "Cart", user: "a", time: "2024-01-01T10:30:00Z" },
  { event: "View", user: "a", time: "2024-01-01T11:00:00Z" },
  { event: "Buy", user: "a", time: "2024-01-01T12:00:00Z", props: { amount: 20 } },
  { event: "View", user: "b", time: "2024-01-01T09:00:00Z" },
  { event: "Cart", user: "c", time: "2024-01-01T08:00:00Z" },
  { event: "View", user: "c", time: "2024-01-01T09:00:00Z" },
  { event: "Buy", user: "c", time: "2024-01-01T09:30:00Z", props: { amount: 100 } },
  { event: "Cart", user: "c", time: "2024-01-01T10:00:00Z" },
  { event: "View", user: "d-anon", time: "2024-01-01T08:00:00Z" },
  { event: "Cart", user: "d", time: "2024-01-01T08:10:00Z" },
  { event: "View", user: "anonymous", time: "2024-01-01T08:00:00Z" },
  { event: "View", user: "b", time: "2024-01-02T09:00:00Z" },
  { event: "Cart", user: "b", time: "2024-01-02T10:00:00Z" },
  { event: "Buy", user: "b", time: "2024-01-02T11:00:00Z", props: { amount: 5 } },
  { event: "Buy", user: "b", time: "2024-01-02T12:00:00Z", props: { amount: 50 } },
];
const DATA = datasetOf(JOURNEYS, { aliases: { "d-anon": "d" } });

function run(params: Record<string, string>, data = DATA) {
  return asJson(
    funnels(data, parseFunnelParams(query({ from_date: "2024-01-01", to_date: "2024-01-02", ...params }))),
  );
}

function step(
  event: string,
  count: number,
  avg: number | null,
  fromStart: number | null,
  stepRatio: number,
  overall: number,
) {
  return {
    count,
    avg_time: avg,
    avg_time_from_start: fromStart,
    step_conv_ratio: stepRatio,
    overall_conv_ratio: overall,
    goal: event,
    event,
  };
}

/** A date of a reply with `on`: segment → funnel. */
function bySegment(reply: FunnelReply, date: string): Record<string, FunnelDateReply> {
  return reply.data[date] as Record<string, FunnelDateReply>;
}

describe("funnels", () => {
  it("counts each step per date of entry, with average times and ratios", () => {
    assert.deepEqual(run({ events: STEPS, length: "1" }), {
      meta: { dates: ["2024-01-01", "2024-01-02"] },
      data: {
        "2024-01-01": {
          // Cart: a 1,800 s, c 3,600 s, d 600 s → 2,000 s. Buy: a, 5,400 s after Cart, 7,200 s after entry.
          steps: [
            step("View", 4, null, null, 1, 1),
            step("Cart", 3, 2000, 2000, 0.75, 0.75),
            step("Buy", 1, 5400, 7200, 1 / 3, 0.25),
          ],
          analysis: { completion: 0.25, starting_amount: 4, steps: 3, worst: 3 },
        },
        "2024-01-02": {
          steps: [
            step("View", 1, null, null, 1, 1),
            step("Cart", 1, 3600, 3600, 1, 1),
            step("Buy", 1, 7200, 10800, 1, 1),
          ],
          analysis: { completion: 1, starting_amount: 1, steps: 3, worst: 2 },
        },
      },
    });
  });

  it("lets a later step come after to_date, within the window", () => {
    // With a two-day window, b's Cart on Jan 2 at 10:00 (25 hours after entry) counts for Jan 1,
    // and the Buy at 12:00 on Jan 2 completes that pass too.
    const reply = run({ events: STEPS, length: "2" }) as {
      data: Record<string, { steps: { count: number }[] }>;
    };
    assert.deepEqual(
      reply.data["2024-01-01"].steps.map((s) => s.count),
      [4, 4, 2],
    );
  });

  it("gives zeros, null times and 0 ratios on a date nobody entered", () => {
    const reply = run({ events: STEPS, from_date: "2024-01-03", to_date: "2024-01-03" });
    assert.deepEqual(reply, {
      meta: { dates: ["2024-01-03"] },
      data: {
        "2024-01-03": {
          steps: [
            step("View", 0, null, null, 0, 0),
            step("Cart", 0, null, null, 0, 0),
            step("Buy", 0, null, null, 0, 0),
          ],
          analysis: { completion: 0, starting_amount: 0, steps: 3, worst: 2 },
        },
      },
    });
  });

  it("applies where to every step", () => {
    const data = datasetOf([
      { event: "View", user: "a", time: "2024-01-01T10:00:00Z", props: { app: "web" } },
      { event: "Cart", user: "a", time: "2024-01-01T10:01:00Z", props: { app: "ios" } },
      { event: "Cart", user: "a", time: "2024-01-01T10:02:00Z", props: { app: "web" } },
    ]);
    const reply = run(
      {
        events: '["View", "Cart"]',
        where: 'properties["app"] == "web"',
        from_date: "2024-01-01",
        to_date: "2024-01-01",
      },
      data,
    ) as { data: Record<string, { steps: { count: number; avg_time: number | null }[] }> };
    assert.deepEqual(
      reply.data["2024-01-01"].steps.map((s) => [s.count, s.avg_time]),
      [
        [1, null],
        [1, 120],
      ],
    );
  });

  it("uses one event for one step only, and orders events at the same time by ingestion", () => {
    const data = datasetOf([
      { event: "Tap", user: "once", time: "2024-01-01T10:00:00Z" },
      { event: "Tap", user: "twice", time: "2024-01-01T10:00:00Z" },
      { event: "Tap", user: "twice", time: "2024-01-01T10:00:00Z" },
      // Sent in this order, at the same second: Open was ingested after Pay, so Pay is not after it.
      { event: "Pay", user: "tie", time: "2024-01-01T11:00:00Z" },
      { event: "Open", user: "tie", time: "2024-01-01T11:00:00Z" },
    ]);
    const counts = (events: string) =>
      (
        run({ events, from_date: "2024-01-01", to_date: "2024-01-01" }, data) as {
          data: Record<string, { steps: { count: number }[] }>;
        }
      ).data["2024-01-01"].steps.map((s) => s.count);
    assert.deepEqual(counts('["Tap", "Tap"]'), [2, 1]);
    assert.deepEqual(counts('["Open", "Pay"]'), [1, 0]);
    assert.deepEqual(counts('["Pay", "Open"]'), [1, 1]);
  });

  it("segments by on at the entry event, with $overall and every segment on every date", () => {
    const data = datasetOf([
      { event: "View", user: "a", time: "2024-01-01T10:00:00Z", props: { src: "ads" } },
      { event: "Buy", user: "a", time: "2024-01-01T10:05:00Z", props: { src: "mail" } },
      { event: "View", user: "b", time: "2024-01-01T11:00:00Z", props: { src: ["ads", "mail"] } },
      { event: "View", user: "c", time: "2024-01-02T11:00:00Z" },
      { event: "View", user: "d", time: "2024-01-02T12:00:00Z", props: { src: "__proto__" } },
    ]);
    const reply = funnels(
      data,
      parseFunnelParams(
        query({
          events: '["View", "Buy"]',
          on: 'properties["src"]',
          from_date: "2024-01-01",
          to_date: "2024-01-02",
        }),
      ),
    );
    const day1 = bySegment(reply, "2024-01-01");
    const counts = (segment: string) => day1[segment].steps.map((s) => s.count);
    assert.deepEqual(Object.keys(day1).sort(), ["$overall", "__proto__", "ads", "mail", "undefined"]);
    assert.deepEqual(counts("$overall"), [2, 1]);
    assert.deepEqual(counts("ads"), [2, 1]);
    assert.deepEqual(counts("mail"), [1, 0]);
    assert.deepEqual(counts("undefined"), [0, 0]);
    assert.equal(Object.getPrototypeOf(day1), null);
    const day2 = bySegment(reply, "2024-01-02");
    assert.equal(Object.getOwnPropertyDescriptor(day2, "__proto__")?.value.steps[0].count, 1);
  });

  it("keeps the segments most users entered with limit", () => {
    const data = datasetOf([
      { event: "View", user: "a", time: "2024-01-01T10:00:00Z", props: { src: "ads" } },
      { event: "View", user: "b", time: "2024-01-01T10:00:00Z", props: { src: "ads" } },
      { event: "View", user: "c", time: "2024-01-01T10:00:00Z", props: { src: "mail" } },
    ]);
    const reply = run(
      {
        events: '["View"]',
        on: 'properties["src"]',
        limit: "1",
        from_date: "2024-01-01",
        to_date: "2024-01-01",
      },
      data,
    ) as {
      data: Record<string, Record<string, unknown>>;
    };
    assert.deepEqual(Object.keys(reply.data["2024-01-01"]), ["$overall", "ads"]);
  });
});
