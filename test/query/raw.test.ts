// export (raw, every copy), stream/query (a user's activity) and engage (profiles).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JsonObject } from "../../src/expr/value.js";
import { parseEngageParams, parseExportParams, parseStreamParams } from "../../src/query/params-raw.js";
import { engage } from "../../src/query/reference/engage.js";
import { exportEvents, streamQuery } from "../../src/query/reference/raw-events.js";
import { asJson, at, datasetOf, query } from "./dataset-builder.js";

const DATA = datasetOf(
  [
    { event: "Buy", user: "u1", time: "2024-01-01T10:00:00.250Z", insertId: "i1", props: { n: 1 } },
    { event: "Buy", user: "u1", time: "2024-01-01T10:00:00.750Z", insertId: "i1", props: { n: 2 } },
    { event: "Visit", user: "anon-7", time: "2024-01-01T09:00:00Z", props: { n: 3 } },
    { event: "Visit", user: "u2", time: "2024-01-01T11:00:00Z", props: { n: 4 } },
    { event: "Visit", user: "u1", time: "2024-01-02T00:00:00Z", props: { n: 5 } },
  ],
  { aliases: { "anon-7": "u1" } },
);

describe("export", () => {
  const run = (params: Record<string, string>) =>
    asJson(
      exportEvents(
        DATA,
        parseExportParams(query({ from_date: "2024-01-01", to_date: "2024-01-01", ...params })),
      ),
    );

  it("streams every stored copy in time order, time in whole seconds, properties as sent", () => {
    const t = at("2024-01-01T10:00:00Z");
    assert.deepEqual(run({}), [
      { event: "Visit", properties: { distinct_id: "anon-7", time: t - 3600, n: 3 } },
      { event: "Buy", properties: { distinct_id: "u1", time: t, n: 1 } },
      { event: "Buy", properties: { distinct_id: "u1", time: t, n: 2 } },
      { event: "Visit", properties: { distinct_id: "u2", time: t + 3600, n: 4 } },
    ]);
  });

  it("filters by event list and where, keeps the earliest with limit, and gives milliseconds on request", () => {
    assert.deepEqual(run({ event: '["Buy"]', where: 'properties["n"] >= 2', time_in_ms: "true" }), [
      { event: "Buy", properties: { distinct_id: "u1", time: at("2024-01-01T10:00:00.750Z") * 1000, n: 2 } },
    ]);
    assert.deepEqual(
      (run({ limit: "1" }) as { properties: { n: number } }[]).map((r) => r.properties.n),
      [3],
    );
  });
});

describe("stream/query", () => {
  it("returns a person's events under all their ids, deduplicated, in the range", () => {
    const reply = streamQuery(
      DATA,
      parseStreamParams(query({ distinct_ids: '["u1"]', from_date: "2024-01-01", to_date: "2024-01-02" })),
    );
    assert.equal(reply.status, "ok");
    assert.deepEqual(
      reply.results.events.map((e) => [e.event, e.properties.n]),
      [
        ["Visit", 3],
        ["Buy", 2],
        ["Visit", 5],
      ],
    );
  });
});

describe("engage", () => {
  const profiles: Record<string, JsonObject> = {
    u3: { plan: "pro", age: 40 },
    u1: { plan: "pro", age: 30 },
    u2: { plan: "free", age: 20 },
    weird: JSON.parse('{"__proto__": "data", "plan": "pro"}') as JsonObject,
  };
  const data = datasetOf([], { profiles, aliases: { "anon-3": "u3" } });
  const run = (params: Record<string, string>) => engage(data, parseEngageParams(query(params)));

  it("lists the profiles where keeps, by distinct id, with the total over all pages", () => {
    const reply = run({ where: 'properties["plan"] == "pro"', page_size: "2" });
    assert.deepEqual(asJson(reply), {
      page: 0,
      page_size: 2,
      results: [
        { $distinct_id: "u1", $properties: { plan: "pro", age: 30 } },
        { $distinct_id: "u3", $properties: { plan: "pro", age: 40 } },
      ],
      session_id: null,
      status: "ok",
      total: 3,
    });
    const next = run({ where: 'properties["plan"] == "pro"', page_size: "2", page: "1", session_id: "s" });
    assert.deepEqual(
      next.results.map((r) => r.$distinct_id),
      ["weird"],
    );
    assert.equal(next.session_id, "s");
  });

  it("keeps only output_properties, and a __proto__ property stays data", () => {
    const reply = run({ distinct_ids: '["weird"]', output_properties: '["__proto__"]' });
    const props = reply.results[0].$properties;
    assert.equal(Object.getPrototypeOf(props), null);
    assert.equal(JSON.stringify(props), '{"__proto__":"data"}');
  });

  it("finds a profile by an alias of its user", () => {
    assert.deepEqual(
      run({ distinct_id: "anon-3" }).results.map((r) => r.$distinct_id),
      ["u3"],
    );
  });
});
