// events, events/top, events/names and the events/properties family, counted by hand.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JsonObject } from "../../src/expr/value.js";
import {
  parseEventNamesParams,
  parseEventsParams,
  parsePropertyParams,
  parsePropertyValuesParams,
  parseTopEventsParams,
  parseTopPropertiesParams,
} from "../../src/query/params.js";
import {
  eventProperties,
  eventPropertiesTop,
  eventPropertyValues,
} from "../../src/query/reference/event-properties.js";
import { events, eventsNames, eventsTop } from "../../src/query/reference/events.js";
import { asJson, datasetOf, type EventSpec, query } from "./dataset-builder.js";

// Now is 2024-01-31 12:00 UTC. Today: Open ×3 (a, a, b), Buy (a), Share ("anonymous").
// Yesterday: Open (a, c), Buy (a, b, c, d). Jan 1: Old (a). Dec 31: Older (a), outside 31 days.
const ACTIVITY: EventSpec[] = [
  { event: "Open", user: "a", time: "2024-01-31T08:00:00Z" },
  { event: "Open", user: "a", time: "2024-01-31T09:00:00Z" },
  { event: "Open", user: "b", time: "2024-01-31T10:00:00Z" },
  { event: "Buy", user: "a", time: "2024-01-31T10:30:00Z" },
  { event: "Share", user: "anonymous", time: "2024-01-31T11:00:00Z" },
  { event: "Open", user: "a", time: "2024-01-30T08:00:00Z" },
  { event: "Open", user: "c", time: "2024-01-30T09:00:00Z" },
  { event: "Buy", user: "a", time: "2024-01-30T10:00:00Z" },
  { event: "Buy", user: "b", time: "2024-01-30T11:00:00Z" },
  { event: "Buy", user: "c", time: "2024-01-30T12:00:00Z" },
  { event: "Buy", user: "d", time: "2024-01-30T13:00:00Z" },
  { event: "Old", user: "a", time: "2024-01-01T00:00:00Z" },
  { event: "Older", user: "a", time: "2023-12-31T23:59:59Z" },
];
const DATA = datasetOf(ACTIVITY);

describe("events", () => {
  it("lists every event asked for, in order, zeros for one never done", () => {
    const reply = events(
      DATA,
      parseEventsParams(
        query({ event: '["Open", "Buy", "Nothing"]', from_date: "2024-01-30", to_date: "2024-01-31" }),
      ),
    );
    assert.deepEqual(asJson(reply), {
      data: {
        series: ["2024-01-30", "2024-01-31"],
        values: {
          Open: { "2024-01-30": 2, "2024-01-31": 3 },
          Buy: { "2024-01-30": 4, "2024-01-31": 1 },
          Nothing: { "2024-01-30": 0, "2024-01-31": 0 },
        },
      },
      legend_size: 3,
    });
  });

  it("counts users with type=unique", () => {
    const reply = events(
      DATA,
      parseEventsParams(query({ event: '["Open"]', type: "unique", interval: "2" })),
    );
    assert.deepEqual(asJson(reply.data.values), { Open: { "2024-01-30": 2, "2024-01-31": 2 } });
  });
});

describe("events/top", () => {
  it("ranks today's events by count with the change from yesterday (0 when yesterday had none)", () => {
    assert.deepEqual(eventsTop(DATA, parseTopEventsParams(query({}))), {
      events: [
        { amount: 3, event: "Open", percent_change: 0.5 },
        { amount: 1, event: "Buy", percent_change: -0.75 },
        { amount: 1, event: "Share", percent_change: 0 },
      ],
      type: "general",
    });
  });

  it("counts users with type=unique, so an event of no user has no amount and is left out", () => {
    assert.deepEqual(eventsTop(DATA, parseTopEventsParams(query({ type: "unique", limit: "5" }))), {
      events: [
        { amount: 2, event: "Open", percent_change: 0 },
        { amount: 1, event: "Buy", percent_change: -0.75 },
      ],
      type: "unique",
    });
  });

  it("takes today in the project's zone", () => {
    // 23:30 UTC on Jan 30 is already Jan 31 in Berlin.
    const data = datasetOf([{ event: "Late", user: "a", time: "2024-01-30T23:30:00Z" }], {
      timeZone: "Europe/Berlin",
    });
    assert.deepEqual(eventsTop(data, parseTopEventsParams(query({}))).events, [
      { amount: 1, event: "Late", percent_change: 0 },
    ]);
  });
});

describe("events/names", () => {
  it("lists the last 31 days' events by count, ties by name", () => {
    assert.deepEqual(eventsNames(DATA, parseEventNamesParams(query({}))), ["Buy", "Open", "Old", "Share"]);
  });

  it("ranks by users with type=unique and cuts at limit", () => {
    assert.deepEqual(eventsNames(DATA, parseEventNamesParams(query({ type: "unique", limit: "2" }))), [
      "Buy",
      "Open",
    ]);
  });
});

// Buy with properties, Jan 30-31: a {plan pro, coupon null}, b {plan free}, c {plan [pro, team]},
// d {coupon X}, "anonymous" {plan pro}; and one event with a property named __proto__.
const WITH_PROPERTIES = datasetOf([
  { event: "Buy", user: "a", time: "2024-01-30T10:00:00Z", props: { plan: "pro", coupon: null } },
  { event: "Buy", user: "b", time: "2024-01-30T11:00:00Z", props: { plan: "free" } },
  { event: "Buy", user: "c", time: "2024-01-31T10:00:00Z", props: { plan: ["pro", "team"] } },
  { event: "Buy", user: "d", time: "2024-01-31T11:00:00Z", props: { coupon: "X" } },
  { event: "Buy", user: "anonymous", time: "2024-01-31T11:30:00Z", props: { plan: "pro" } },
  {
    event: "Send",
    user: "a",
    time: "2024-01-31T11:30:00Z",
    props: JSON.parse('{"__proto__": "x"}') as JsonObject,
  },
]);
const TWO_DAYS = { event: "Buy", name: "plan", from_date: "2024-01-30", to_date: "2024-01-31" };

describe("events/properties", () => {
  it("splits the event by the property's values; events without it are in no segment", () => {
    const reply = eventProperties(WITH_PROPERTIES, parsePropertyParams(query(TWO_DAYS)));
    assert.deepEqual(asJson(reply), {
      data: {
        series: ["2024-01-30", "2024-01-31"],
        values: {
          pro: { "2024-01-30": 1, "2024-01-31": 2 },
          free: { "2024-01-30": 1, "2024-01-31": 0 },
          team: { "2024-01-30": 0, "2024-01-31": 1 },
        },
      },
      legend_size: 3,
    });
  });

  it("lists exactly the values asked for, in order, with type=unique", () => {
    const reply = eventProperties(
      WITH_PROPERTIES,
      parsePropertyParams(query({ ...TWO_DAYS, values: '["pro", "enterprise"]', type: "unique" })),
    );
    assert.deepEqual(asJson(reply.data.values), {
      pro: { "2024-01-30": 1, "2024-01-31": 1 },
      enterprise: { "2024-01-30": 0, "2024-01-31": 0 },
    });
  });
});

describe("events/properties/top and values", () => {
  it("counts how many occurrences carry each property, leaving out the envelope", () => {
    const top = eventPropertiesTop(WITH_PROPERTIES, parseTopPropertiesParams(query({ event: "Buy" })));
    assert.deepEqual(asJson(top), { plan: { count: 4 }, coupon: { count: 2 } });
  });

  it("lists a property named __proto__ as an ordinary key", () => {
    const top = eventPropertiesTop(WITH_PROPERTIES, parseTopPropertiesParams(query({ event: "Send" })));
    assert.equal(Object.getPrototypeOf(top), null);
    assert.deepEqual(Object.keys(top), ["__proto__"]);
    assert.equal(JSON.stringify(top), '{"__proto__":{"count":1}}');
  });

  it('lists a property\'s values, most frequent first, null as "null"', () => {
    const values = (params: Record<string, string>) =>
      eventPropertyValues(WITH_PROPERTIES, parsePropertyValuesParams(query({ event: "Buy", ...params })));
    assert.deepEqual(values({ name: "plan" }), ["pro", "free", "team"]);
    assert.deepEqual(values({ name: "plan", limit: "2" }), ["pro", "free"]);
    assert.deepEqual(values({ name: "coupon" }), ["X", "null"]);
  });
});
