// Query parameters: good ones become typed values with their defaults; every bad one is a
// QueryParamError that names the parameter.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseEventNamesParams,
  parseEventsParams,
  parseNumericParams,
  parsePropertyParams,
  parsePropertyValuesParams,
  parseSegmentationParams,
  parseSumParams,
  parseTopEventsParams,
  parseTopPropertiesParams,
} from "../../src/query/params.js";
import { QueryParamError } from "../../src/query/params-error.js";
import { parseFunnelParams } from "../../src/query/params-funnel.js";
import { parseEngageParams, parseExportParams, parseStreamParams } from "../../src/query/params-raw.js";
import { parseAddictionParams, parseRetentionParams } from "../../src/query/params-retention.js";
import { dayNumberOf } from "../../src/query/time-buckets.js";
import { query } from "./dataset-builder.js";

const DATES = { from_date: "2024-01-01", to_date: "2024-01-31" };

function rejects(parse: (q: URLSearchParams) => unknown, params: Record<string, string>, parameter: string) {
  assert.throws(
    () => parse(query(params)),
    (error: unknown) => {
      assert.ok(error instanceof QueryParamError, `expected a QueryParamError, got ${String(error)}`);
      assert.equal(error.parameter, parameter, error.message);
      assert.ok(error.message.startsWith(`${parameter}: `));
      return true;
    },
  );
}

describe("segmentation parameters", () => {
  it("reads a full query and fills the defaults: day, general, limit 60", () => {
    const p = parseSegmentationParams(query({ event: "Buy", ...DATES, on: 'properties["plan"]' }));
    assert.equal(p.event, "Buy");
    assert.deepEqual(p.period, {
      kind: "dates",
      from: dayNumberOf(2024, 1, 1),
      to: dayNumberOf(2024, 1, 31),
    });
    assert.equal(p.unit, "day");
    assert.equal(p.type, "general");
    assert.equal(p.limit, 60);
    assert.equal(p.on?.source, 'properties["plan"]');
    assert.equal(p.on?.node.kind, "property");
    assert.equal(p.where, undefined);
  });

  it("takes interval instead of dates as the last N units", () => {
    const p = parseSegmentationParams(query({ event: "Buy", unit: "hour", interval: "24" }));
    assert.deepEqual(p.period, { kind: "last", units: 24 });
  });

  it("requires the event", () => rejects(parseSegmentationParams, { ...DATES }, "event"));

  it("rejects dates that are not yyyy-mm-dd or not in the calendar", () => {
    rejects(
      parseSegmentationParams,
      { event: "e", from_date: "2024-1-01", to_date: "2024-01-02" },
      "from_date",
    );
    rejects(
      parseSegmentationParams,
      { event: "e", from_date: "2024-02-30", to_date: "2024-03-02" },
      "from_date",
    );
    rejects(
      parseSegmentationParams,
      { event: "e", from_date: "2023-02-29", to_date: "2023-03-02" },
      "from_date",
    );
    rejects(
      parseSegmentationParams,
      { event: "e", from_date: "2024-01-01", to_date: "2024-13-01" },
      "to_date",
    );
    rejects(
      parseSegmentationParams,
      { event: "e", from_date: "1969-12-31", to_date: "2024-01-01" },
      "from_date",
    );
  });

  it("accepts 29 February in a leap year", () => {
    const p = parseSegmentationParams(query({ event: "e", from_date: "2024-02-29", to_date: "2024-02-29" }));
    assert.deepEqual(p.period, {
      kind: "dates",
      from: dayNumberOf(2024, 2, 29),
      to: dayNumberOf(2024, 2, 29),
    });
  });

  it("requires both dates without interval", () => {
    rejects(parseSegmentationParams, { event: "e", from_date: "2024-01-01" }, "to_date");
    rejects(parseSegmentationParams, { event: "e" }, "from_date");
  });

  it("rejects a range that runs backwards or is longer than 3,660 days", () => {
    rejects(
      parseSegmentationParams,
      { event: "e", from_date: "2024-01-02", to_date: "2024-01-01" },
      "to_date",
    );
    rejects(
      parseSegmentationParams,
      { event: "e", from_date: "2000-01-01", to_date: "2010-12-31" },
      "to_date",
    );
  });

  it("rejects a unit it does not know and too many buckets for the range", () => {
    rejects(parseSegmentationParams, { event: "e", ...DATES, unit: "year" }, "unit");
    rejects(parseSegmentationParams, { event: "e", ...DATES, unit: "minute" }, "unit");
  });

  it("rejects an interval that is not a positive whole number", () => {
    rejects(parseSegmentationParams, { event: "e", interval: "0" }, "interval");
    rejects(parseSegmentationParams, { event: "e", interval: "-3" }, "interval");
    rejects(parseSegmentationParams, { event: "e", interval: "2.5" }, "interval");
  });

  it("rejects an unknown type and a limit out of bounds", () => {
    rejects(parseSegmentationParams, { event: "e", ...DATES, type: "median" }, "type");
    rejects(parseSegmentationParams, { event: "e", ...DATES, limit: "0" }, "limit");
    rejects(parseSegmentationParams, { event: "e", ...DATES, limit: "10001" }, "limit");
    rejects(parseSegmentationParams, { event: "e", ...DATES, limit: "ten" }, "limit");
  });

  it("rejects a bad where or on, quoting the parser's message with its caret", () => {
    assert.throws(
      () => parseSegmentationParams(query({ event: "e", ...DATES, where: 'properties["a"] == )' })),
      (error: unknown) =>
        error instanceof QueryParamError &&
        error.parameter === "where" &&
        error.message.includes('unexpected ")" at 1:20') &&
        error.message.includes("^"),
    );
    rejects(parseSegmentationParams, { event: "e", ...DATES, on: "nosuch(1)" }, "on");
  });
});

describe("other segmentation and events parameters", () => {
  it("requires on for numeric, sum and average, and bounds buckets", () => {
    rejects(parseNumericParams, { event: "e", ...DATES }, "on");
    rejects(parseSumParams, { event: "e", ...DATES }, "on");
    rejects(parseNumericParams, { event: "e", ...DATES, on: "1", buckets: "0" }, "buckets");
    rejects(parseNumericParams, { event: "e", ...DATES, on: "1", buckets: "101" }, "buckets");
    assert.equal(parseNumericParams(query({ event: "e", ...DATES, on: "1" })).buckets, 10);
  });

  it("reads events' event as a JSON array, dropping repeats", () => {
    const p = parseEventsParams(query({ event: '["a", "b", "a"]', ...DATES, type: "unique" }));
    assert.deepEqual(p.events, ["a", "b"]);
    assert.equal(p.type, "unique");
  });

  it("explains an event list that is not JSON, not an array, or holds a non-string", () => {
    rejects(parseEventsParams, { event: "Signup", ...DATES }, "event");
    rejects(parseEventsParams, { event: '{"a": 1}', ...DATES }, "event");
    rejects(parseEventsParams, { event: '["a", 3]', ...DATES }, "event");
    rejects(parseEventsParams, { event: "[]", ...DATES }, "event");
    rejects(parseEventsParams, { ...DATES }, "event");
    assert.throws(() => parseEventsParams(query({ event: "[oops", ...DATES })), /is not valid JSON/);
  });

  it("bounds events/top at 100 and defaults names to 255", () => {
    assert.equal(parseTopEventsParams(query({})).limit, 100);
    rejects(parseTopEventsParams, { limit: "101" }, "limit");
    assert.equal(parseEventNamesParams(query({ type: "unique" })).limit, 255);
    rejects(parseEventNamesParams, { type: "all" }, "type");
  });

  it("requires the event and property name for the property endpoints", () => {
    rejects(parsePropertyParams, { event: "e", ...DATES }, "name");
    rejects(parsePropertyValuesParams, { name: "n" }, "event");
    rejects(parseTopPropertiesParams, { event: "e", limit: "-1" }, "limit");
    rejects(parsePropertyParams, { event: "e", name: "n", ...DATES, values: '[{"x": 1}]' }, "values");
    const p = parsePropertyParams(query({ event: "e", name: "n", ...DATES, values: '["a", 2, true, null]' }));
    assert.deepEqual(p.values, ["a", "2", "true", "null"]);
  });
});

describe("funnel parameters", () => {
  const STEPS = JSON.stringify([{ event: "Visit" }, { event: "Buy", selector: 'properties["amount"] > 10' }]);

  it("reads steps with selectors and a default window of 30 days", () => {
    const p = parseFunnelParams(query({ events: STEPS, ...DATES }));
    assert.deepEqual(
      p.steps.map((s) => [s.event, s.selector?.source]),
      [
        ["Visit", undefined],
        ["Buy", 'properties["amount"] > 10'],
      ],
    );
    assert.equal(p.windowSeconds, 30 * 86400);
    assert.equal(p.limit, 255);
  });

  it("reads length with length_unit; without length the window is 30 days whatever the unit", () => {
    assert.equal(
      parseFunnelParams(query({ events: STEPS, ...DATES, length: "2", length_unit: "hour" })).windowSeconds,
      7200,
    );
    assert.equal(
      parseFunnelParams(query({ events: STEPS, ...DATES, length_unit: "hour" })).windowSeconds,
      30 * 86400,
    );
    // Empty counts as absent, as for every parameter.
    assert.equal(parseFunnelParams(query({ events: STEPS, ...DATES, length: "" })).windowSeconds, 30 * 86400);
  });

  it("rejects malformed steps, a bad selector, and too many steps", () => {
    rejects(parseFunnelParams, { ...DATES }, "events");
    rejects(parseFunnelParams, { events: "[1, 2]", ...DATES }, "events");
    rejects(parseFunnelParams, { events: '[{"selector": "true"}]', ...DATES }, "events");
    rejects(parseFunnelParams, { events: '[{"event": "a", "selector": 5}]', ...DATES }, "events");
    const tooMany = JSON.stringify(Array.from({ length: 21 }, (_, i) => ({ event: `e${i}` })));
    rejects(parseFunnelParams, { events: tooMany, ...DATES }, "events");
    assert.throws(
      () =>
        parseFunnelParams(query({ events: '[{"event": "a"}, {"event": "b", "selector": "1 +"}]', ...DATES })),
      (error: unknown) =>
        error instanceof QueryParamError && error.message.startsWith("events: step 2's selector: "),
    );
  });

  it("rejects a window over 90 days and an unknown length_unit", () => {
    rejects(parseFunnelParams, { events: STEPS, ...DATES, length: "91" }, "length");
    rejects(parseFunnelParams, { events: STEPS, ...DATES, length_unit: "month" }, "length_unit");
  });
});

describe("retention parameters", () => {
  it("defaults to birth retention by day with one later interval, and requires born_event for it", () => {
    const p = parseRetentionParams(query({ born_event: "Signup", ...DATES }));
    assert.equal(p.retentionType, "birth");
    assert.equal(p.unit, "day");
    assert.equal(p.intervalCount, 1);
    assert.equal(p.event, undefined);
    rejects(parseRetentionParams, { ...DATES }, "born_event");
    assert.equal(
      parseRetentionParams(query({ retention_type: "compounded", ...DATES })).bornEvent,
      undefined,
    );
  });

  it("rejects an unknown retention_type, hour units, a bad interval_count and born_where", () => {
    rejects(parseRetentionParams, { retention_type: "first", ...DATES }, "retention_type");
    rejects(parseRetentionParams, { born_event: "a", unit: "hour", ...DATES }, "unit");
    rejects(parseRetentionParams, { born_event: "a", interval_count: "0", ...DATES }, "interval_count");
    rejects(parseRetentionParams, { born_event: "a", born_where: "((", ...DATES }, "born_where");
  });

  it("takes an addiction unit finer than the unit", () => {
    assert.equal(parseAddictionParams(query({ ...DATES, unit: "week" })).addictionUnit, "day");
    assert.equal(parseAddictionParams(query({ ...DATES })).addictionUnit, "hour");
    rejects(parseAddictionParams, { ...DATES, unit: "day", addiction_unit: "day" }, "addiction_unit");
    rejects(parseAddictionParams, { ...DATES, addiction_unit: "minute" }, "addiction_unit");
  });
});

describe("engage, export and stream parameters", () => {
  it("pages engage with at most 1,000 profiles a page", () => {
    const p = parseEngageParams(query({ page: "2", page_size: "50", session_id: "s1", distinct_id: "u1" }));
    assert.deepEqual([p.page, p.pageSize, p.sessionId, p.distinctIds], [2, 50, "s1", ["u1"]]);
    assert.equal(parseEngageParams(query({})).pageSize, 1000);
    rejects(parseEngageParams, { page_size: "1001" }, "page_size");
    rejects(parseEngageParams, { page: "-1" }, "page");
    rejects(parseEngageParams, { distinct_ids: '"u1"' }, "distinct_ids");
    rejects(parseEngageParams, { distinct_id: "u1", distinct_ids: '["u2"]' }, "distinct_ids");
    rejects(parseEngageParams, { output_properties: "[1]" }, "output_properties");
    rejects(parseEngageParams, { where: 'user["a"] ==' }, "where");
  });

  it("bounds export's limit at 100,000 and reads time_in_ms", () => {
    const p = parseExportParams(query({ ...DATES, event: '["a"]', time_in_ms: "true" }));
    assert.deepEqual([p.events, p.limit, p.timeInMs], [["a"], undefined, true]);
    // Python's requests writes booleans as True and False.
    assert.equal(parseExportParams(query({ ...DATES, time_in_ms: "True" })).timeInMs, true);
    assert.equal(parseExportParams(query({ ...DATES, time_in_ms: "False" })).timeInMs, false);
    rejects(parseExportParams, { ...DATES, limit: "100001" }, "limit");
    rejects(parseExportParams, { ...DATES, time_in_ms: "yes" }, "time_in_ms");
    rejects(parseExportParams, { from_date: "2024-01-01" }, "to_date");
  });

  it("requires stream/query's distinct_ids", () => {
    rejects(parseStreamParams, { ...DATES }, "distinct_ids");
    assert.deepEqual(parseStreamParams(query({ ...DATES, distinct_ids: '["a","b"]' })).distinctIds, [
      "a",
      "b",
    ]);
  });
});
