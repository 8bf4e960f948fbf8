// segmentation, segmentation/numeric, /sum and /average on a small data set counted by hand.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseNumericParams, parseSegmentationParams, parseSumParams } from "../../src/query/params.js";
import { segmentation, segmentationNumeric } from "../../src/query/reference/segmentation.js";
import { segmentationAverage, segmentationSum } from "../../src/query/reference/segmentation-sum.js";
import { asJson, datasetOf, type EventSpec, query } from "./dataset-builder.js";

// Buy: Jan 1 — alice ×2 (pro), bob (free); Jan 2 — bob (pro), carol (["pro","team","pro"]),
// "anonymous" (free, a no-user id). Outside: alice on Dec 31 and Jan 4, and a Visit.
const EVENTS: EventSpec[] = [
  { event: "Buy", user: "alice", time: "2024-01-01T10:00:00Z", props: { plan: "pro", amount: 10 } },
  { event: "Buy", user: "alice", time: "2024-01-01T11:00:00Z", props: { plan: "pro", amount: 20 } },
  { event: "Buy", user: "bob", time: "2024-01-01T12:00:00Z", props: { plan: "free", amount: 5 } },
  { event: "Buy", user: "bob", time: "2024-01-02T09:00:00Z", props: { plan: "pro", amount: "7" } },
  {
    event: "Buy",
    user: "carol",
    time: "2024-01-02T10:00:00Z",
    props: { plan: ["pro", "team", "pro"], amount: 1.5 },
  },
  { event: "Buy", user: "anonymous", time: "2024-01-02T11:00:00Z", props: { plan: "free" } },
  { event: "Buy", user: "alice", time: "2024-01-04T00:00:00Z", props: { plan: "pro", amount: 99 } },
  { event: "Buy", user: "alice", time: "2023-12-31T23:59:59Z", props: { plan: "pro", amount: 99 } },
  { event: "Visit", user: "alice", time: "2024-01-01T09:00:00Z", props: { plan: "pro" } },
];
const DATA = datasetOf(EVENTS);
const RANGE = { event: "Buy", from_date: "2024-01-01", to_date: "2024-01-03" };
const SERIES = ["2024-01-01", "2024-01-02", "2024-01-03"];

function run(params: Record<string, string>) {
  return asJson(segmentation(DATA, parseSegmentationParams(query({ ...RANGE, ...params }))));
}

function series(values: Record<string, Record<string, number>>) {
  return { data: { series: SERIES, values }, legend_size: Object.keys(values).length };
}

describe("segmentation", () => {
  it("counts events per day under the event's name, the no-user event included", () => {
    assert.deepEqual(run({}), series({ Buy: { "2024-01-01": 3, "2024-01-02": 3, "2024-01-03": 0 } }));
  });

  it("counts distinct users with type=unique, leaving out the no-user id", () => {
    assert.deepEqual(
      run({ type: "unique" }),
      series({ Buy: { "2024-01-01": 2, "2024-01-02": 2, "2024-01-03": 0 } }),
    );
  });

  it("gives events per user with type=average: 3/2 on Jan 1, 2/2 on Jan 2, 0 without users", () => {
    assert.deepEqual(
      run({ type: "average" }),
      series({ Buy: { "2024-01-01": 1.5, "2024-01-02": 1, "2024-01-03": 0 } }),
    );
  });

  it("splits by on, one segment per distinct list element", () => {
    assert.deepEqual(
      run({ on: 'properties["plan"]' }),
      series({
        pro: { "2024-01-01": 2, "2024-01-02": 2, "2024-01-03": 0 },
        free: { "2024-01-01": 1, "2024-01-02": 1, "2024-01-03": 0 },
        team: { "2024-01-01": 0, "2024-01-02": 1, "2024-01-03": 0 },
      }),
    );
  });

  it("keeps the top segments by total with limit (pro 4, free 2, team 1)", () => {
    const reply = run({ on: 'properties["plan"]', limit: "2" }) as ReturnType<typeof series>;
    assert.deepEqual(Object.keys(reply.data.values), ["pro", "free"]);
    assert.equal(reply.legend_size, 2);
  });

  it("counts users per segment with on and type=unique", () => {
    assert.deepEqual(
      run({ on: 'properties["plan"]', type: "unique" }),
      series({
        pro: { "2024-01-01": 1, "2024-01-02": 2, "2024-01-03": 0 },
        free: { "2024-01-01": 1, "2024-01-02": 0, "2024-01-03": 0 },
        team: { "2024-01-01": 0, "2024-01-02": 1, "2024-01-03": 0 },
      }),
    );
  });

  it('filters with where: only numbers compare with >, so the string "7" is left out', () => {
    assert.deepEqual(
      run({ where: 'properties["amount"] > 6' }),
      series({ Buy: { "2024-01-01": 2, "2024-01-02": 0, "2024-01-03": 0 } }),
    );
  });

  it('names an absent on value "undefined" and breaks ties in totals by key', () => {
    const all = run({ on: 'properties["amount"]' }) as ReturnType<typeof series>;
    assert.equal(all.data.values.undefined["2024-01-02"], 1);
    // 10, 20, 5, "7", 1.5 and undefined each once: the three smallest keys in code point order.
    // (Sorted here: JavaScript lists integer-like keys such as "10" first whatever the order built.)
    const top = run({ on: 'properties["amount"]', limit: "3" }) as ReturnType<typeof series>;
    assert.deepEqual(Object.keys(top.data.values).sort(), ["1.5", "10", "20"]);
  });

  it("buckets by hour in the project's zone, the repeated autumn hour as one", () => {
    const data = datasetOf(
      [
        { event: "Buy", user: "a", time: "2024-10-27T00:30:00Z" },
        { event: "Buy", user: "b", time: "2024-10-27T01:30:00Z" },
        { event: "Buy", user: "a", time: "2024-10-27T02:30:00Z" },
      ],
      { timeZone: "Europe/Berlin" },
    );
    const reply = segmentation(
      data,
      parseSegmentationParams(
        query({ event: "Buy", from_date: "2024-10-27", to_date: "2024-10-27", unit: "hour", type: "unique" }),
      ),
    );
    assert.equal(reply.data.series.length, 24);
    assert.equal(reply.data.values.Buy["2024-10-27 02:00:00"], 2);
    assert.equal(reply.data.values.Buy["2024-10-27 03:00:00"], 1);
  });

  it("reads interval as the last days up to today", () => {
    const reply = segmentation(DATA, parseSegmentationParams(query({ event: "Buy", interval: "3" })));
    assert.deepEqual(reply.data.series, ["2024-01-29", "2024-01-30", "2024-01-31"]);
  });

  it("keeps a segment named __proto__ as an ordinary key, and Object.prototype clean", () => {
    const data = datasetOf([
      { event: "Buy", user: "a", time: "2024-01-01T10:00:00Z", props: { plan: "__proto__" } },
      { event: "Buy", user: "b", time: "2024-01-01T10:00:00Z", props: { plan: "constructor" } },
      { event: "Buy", user: "c", time: "2024-01-01T10:00:00Z", props: { plan: "__proto__" } },
    ]);
    const reply = segmentation(data, parseSegmentationParams(query({ ...RANGE, on: 'properties["plan"]' })));
    const json = JSON.parse(JSON.stringify(reply));
    assert.deepEqual(Object.keys(json.data.values), ["__proto__", "constructor"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(json.data.values, "__proto__")?.value, {
      "2024-01-01": 2,
      "2024-01-02": 0,
      "2024-01-03": 0,
    });
    assert.equal(Object.getPrototypeOf(reply.data.values), null);
    assert.equal(({} as Record<string, unknown>)["2024-01-01"], undefined);
    assert.equal(Object.keys(Object.prototype).length, 0);
  });
});

describe("segmentation/numeric", () => {
  it("splits 1.5, 5, 10 and 20 into five ranges of 5 (width 2 would need 11)", () => {
    const reply = segmentationNumeric(
      DATA,
      parseNumericParams(query({ ...RANGE, on: 'properties["amount"]' })),
    );
    const zero = { "2024-01-01": 0, "2024-01-02": 0, "2024-01-03": 0 };
    assert.deepEqual(
      asJson(reply),
      series({
        "0 - 5": { ...zero, "2024-01-02": 1 },
        "5 - 10": { ...zero, "2024-01-01": 1 },
        "10 - 15": { ...zero, "2024-01-01": 1 },
        "15 - 20": zero,
        "20 - 25": { ...zero, "2024-01-01": 1 },
      }),
    );
  });

  it("writes thousands with commas", () => {
    const data = datasetOf([
      { event: "Buy", user: "a", time: "2024-01-01T10:00:00Z", props: { price: 2050 } },
      { event: "Buy", user: "b", time: "2024-01-01T11:00:00Z", props: { price: 2999 } },
    ]);
    const reply = segmentationNumeric(
      data,
      parseNumericParams(query({ ...RANGE, on: 'properties["price"]' })),
    );
    // Spread 949 over 10 ranges: at least 94.9, so width 100, from 2,000 to 3,000.
    assert.deepEqual(Object.keys(reply.data.values), [
      "2,000 - 2,100",
      "2,100 - 2,200",
      "2,200 - 2,300",
      "2,300 - 2,400",
      "2,400 - 2,500",
      "2,500 - 2,600",
      "2,600 - 2,700",
      "2,700 - 2,800",
      "2,800 - 2,900",
      "2,900 - 3,000",
    ]);
  });

  it("answers no segments when no value is a number", () => {
    const reply = segmentationNumeric(
      DATA,
      parseNumericParams(query({ ...RANGE, on: 'properties["plan"]' })),
    );
    assert.deepEqual(asJson(reply), series({}));
  });
});

describe("segmentation/sum and /average", () => {
  it("sums the numbers per day; a string or an absent value counts 0", () => {
    const reply = segmentationSum(DATA, parseSumParams(query({ ...RANGE, on: 'properties["amount"]' })));
    assert.deepEqual(reply, {
      status: "ok",
      computed_at: "2024-01-31T12:00:00.000Z",
      results: { "2024-01-01": 35, "2024-01-02": 1.5, "2024-01-03": 0 },
    });
  });

  it("averages over every event, non-numbers as 0: 35/3 and 1.5/3", () => {
    const reply = segmentationAverage(DATA, parseSumParams(query({ ...RANGE, on: 'properties["amount"]' })));
    assert.deepEqual(reply, {
      status: "ok",
      results: { "2024-01-01": 35 / 3, "2024-01-02": 0.5, "2024-01-03": 0 },
    });
  });
});
