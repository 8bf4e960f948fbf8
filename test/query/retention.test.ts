// retention (birth and compounded, later buckets, on) and retention/addiction, counted by hand.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAddictionParams, parseRetentionParams } from "../../src/query/params-retention.js";
import { addiction } from "../../src/query/reference/addiction.js";
import { retention } from "../../src/query/reference/retention.js";
import { asJson, datasetOf, type EventSpec, query } from "./dataset-builder.js";

// a signs up Jan 1 10:00 (opened at 09:00 before that), opens Jan 2 and Jan 3.
// b signs up Jan 1 12:00, opens Jan 1 13:00 and Jan 3.
// c signs up Jan 2 (and again Jan 3), opens Jan 4, after to_date.
// d signed up Dec 31, before the range, and again Jan 3; opens Jan 3.
// "anonymous" signs up Jan 1 but is no user.
const LIFE: EventSpec[] = [
  { event: "Open", user: "a", time: "2024-01-01T09:00:00Z" },
  { event: "Signup", user: "a", time: "2024-01-01T10:00:00Z", props: { src: "ads" } },
  { event: "Open", user: "a", time: "2024-01-02T09:00:00Z" },
  { event: "Open", user: "a", time: "2024-01-03T09:00:00Z" },
  { event: "Signup", user: "b", time: "2024-01-01T12:00:00Z", props: { src: "mail" } },
  { event: "Open", user: "b", time: "2024-01-01T13:00:00Z" },
  { event: "Open", user: "b", time: "2024-01-03T13:00:00Z" },
  { event: "Signup", user: "c", time: "2024-01-02T12:00:00Z", props: { src: "ads" } },
  { event: "Signup", user: "c", time: "2024-01-03T12:00:00Z", props: { src: "mail" } },
  { event: "Open", user: "c", time: "2024-01-04T12:00:00Z" },
  { event: "Signup", user: "d", time: "2023-12-31T12:00:00Z", props: { src: "ads" } },
  { event: "Signup", user: "d", time: "2024-01-03T12:00:00Z" },
  { event: "Open", user: "d", time: "2024-01-03T13:00:00Z" },
  { event: "Signup", user: "anonymous", time: "2024-01-01T12:00:00Z" },
];
const DATA = datasetOf(LIFE);
const RANGE = { from_date: "2024-01-01", to_date: "2024-01-03", interval_count: "2" };

function run(params: Record<string, string>) {
  return asJson(retention(DATA, parseRetentionParams(query({ ...RANGE, ...params }))));
}

describe("birth retention", () => {
  it("puts users in the cohort of their first born_event in the range and counts returns after it", () => {
    assert.deepEqual(run({ born_event: "Signup", event: "Open" }), {
      // a's Open at 09:00 came before joining; c's Open on Jan 4 is two days after Jan 2.
      "2024-01-01": { counts: [1, 1, 2], first: 2 },
      "2024-01-02": { counts: [0, 0, 1], first: 1 },
      "2024-01-03": { counts: [1, 0, 0], first: 1 },
    });
  });

  it("filters the born event with born_where and returns with where", () => {
    assert.deepEqual(
      run({ born_event: "Signup", born_where: 'properties["src"] == "mail"', event: "Open" }),
      {
        "2024-01-01": { counts: [1, 0, 1], first: 1 },
        // c's first Signup in the range is Jan 2's, but only Jan 3's passes born_where.
        "2024-01-02": { counts: [0, 0, 0], first: 0 },
        "2024-01-03": { counts: [0, 1, 0], first: 1 },
      },
    );
  });

  it("counts any event as a return when event is absent", () => {
    const reply = run({ born_event: "Signup" }) as Record<string, { counts: number[] }>;
    // Jan 1: a (Signup itself) and b; Jan 2: a's Open; Jan 3: a and b.
    assert.deepEqual(reply["2024-01-01"].counts, [2, 1, 2]);
  });

  it("splits cohorts by on at the born event, keyed by segment first", () => {
    const reply = run({ born_event: "Signup", event: "Open", on: 'properties["src"]', limit: "2" });
    assert.deepEqual(reply, {
      ads: {
        "2024-01-01": { counts: [0, 1, 1], first: 1 },
        "2024-01-02": { counts: [0, 0, 1], first: 1 },
        "2024-01-03": { counts: [0, 0, 0], first: 0 },
      },
      mail: {
        "2024-01-01": { counts: [1, 0, 1], first: 1 },
        "2024-01-02": { counts: [0, 0, 0], first: 0 },
        "2024-01-03": { counts: [0, 0, 0], first: 0 },
      },
    });
  });
});

describe("compounded retention", () => {
  it("puts users in every bucket they did the event in and counts them again later", () => {
    assert.deepEqual(run({ retention_type: "compounded", event: "Open" }), {
      "2024-01-01": { counts: [2, 1, 2], first: 2 },
      "2024-01-02": { counts: [1, 1, 0], first: 1 },
      "2024-01-03": { counts: [3, 0, 0], first: 3 },
    });
  });

  it("counts weeks from Monday, following returns (not cohorts) past to_date", () => {
    const data = datasetOf([
      { event: "Open", user: "a", time: "2024-01-03T10:00:00Z" },
      { event: "Open", user: "a", time: "2024-01-10T10:00:00Z" },
      { event: "Open", user: "b", time: "2024-01-09T10:00:00Z" },
      { event: "Open", user: "b", time: "2024-01-16T10:00:00Z" },
    ]);
    const reply = retention(
      data,
      parseRetentionParams(
        query({ retention_type: "compounded", unit: "week", from_date: "2024-01-03", to_date: "2024-01-09" }),
      ),
    );
    assert.deepEqual(asJson(reply), {
      "2024-01-01": { counts: [1, 1], first: 1 },
      // a's Open on Jan 10 is a return for the first week, but after to_date it joins no cohort.
      "2024-01-08": { counts: [1, 1], first: 1 },
    });
  });
});

describe("retention/addiction", () => {
  it("counts users by how many distinct hours of each day they were active", () => {
    const data = datasetOf([
      { event: "Open", user: "a", time: "2024-01-01T10:00:00Z" },
      { event: "Open", user: "a", time: "2024-01-01T10:30:00Z" },
      { event: "Open", user: "a", time: "2024-01-01T11:00:00Z" },
      { event: "Open", user: "a", time: "2024-01-01T15:00:00Z" },
      { event: "Open", user: "b", time: "2024-01-01T10:00:00Z" },
      { event: "Open", user: "anonymous", time: "2024-01-01T10:00:00Z" },
      { event: "Close", user: "c", time: "2024-01-01T10:00:00Z" },
    ]);
    const reply = addiction(
      data,
      parseAddictionParams(query({ event: "Open", from_date: "2024-01-01", to_date: "2024-01-02" })),
    );
    const day1 = Array.from({ length: 24 }, () => 0);
    [day1[0], day1[1], day1[2]] = [2, 1, 1];
    assert.deepEqual(reply, {
      data: { "2024-01-01": day1, "2024-01-02": Array.from({ length: 24 }, () => 0) },
    });
  });

  it("gives a week cut by the range one entry per day inside it", () => {
    const data = datasetOf([
      { event: "Open", user: "a", time: "2024-01-03T10:00:00Z" },
      { event: "Open", user: "a", time: "2024-01-04T10:00:00Z" },
      { event: "Open", user: "a", time: "2024-01-04T11:00:00Z" },
      { event: "Open", user: "a", time: "2024-01-08T10:00:00Z" },
    ]);
    const reply = addiction(
      data,
      parseAddictionParams(query({ unit: "week", from_date: "2024-01-03", to_date: "2024-01-09" })),
    );
    assert.deepEqual(reply, { data: { "2024-01-01": [1, 1, 0, 0, 0], "2024-01-08": [1, 0] } });
  });

  it("gives Berlin's clock-change days 23 and 24 hourly entries", () => {
    const data = datasetOf([], { timeZone: "Europe/Berlin" });
    const lengths = (day: string) =>
      addiction(data, parseAddictionParams(query({ from_date: day, to_date: day }))).data[day].length;
    assert.equal(lengths("2024-03-31"), 23);
    assert.equal(lengths("2024-10-27"), 24);
  });
});
