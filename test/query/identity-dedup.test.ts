// Rules every endpoint applies: users through the alias map at query time, "no user" ids left out
// of user counts, and duplicates counted once with the latest ingested copy winning.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSegmentationParams } from "../../src/query/params.js";
import { parseFunnelParams } from "../../src/query/params-funnel.js";
import type { Dataset, StoredEvent } from "../../src/query/reference/dataset.js";
import type { FunnelDateReply } from "../../src/query/reference/funnel-steps.js";
import { funnels } from "../../src/query/reference/funnels.js";
import { isNoUserId, userOf } from "../../src/query/reference/identity.js";
import { segmentation } from "../../src/query/reference/segmentation.js";
import { at, datasetOf, query } from "./dataset-builder.js";

const DAY = { from_date: "2024-01-01", to_date: "2024-01-01" };

function dayValue(data: Dataset, params: Record<string, string>): Record<string, number> {
  const reply = segmentation(data, parseSegmentationParams(query({ event: "Visit", ...DAY, ...params })));
  const out: Record<string, number> = {};
  for (const [segment, byDate] of Object.entries(reply.data.values)) out[segment] = byDate["2024-01-01"];
  return out;
}

describe("identity at query time", () => {
  const data = datasetOf(
    [
      { event: "Visit", user: "anon-1", time: "2024-01-01T09:00:00Z" },
      { event: "Visit", user: "u1", time: "2024-01-01T10:00:00Z" },
      { event: "Buy", user: "u1", time: "2024-01-01T11:00:00Z" },
      { event: "Visit", user: "NULL", time: "2024-01-01T12:00:00Z" },
      { event: "Visit", user: "u2", time: "2024-01-01T12:00:00Z", props: { plan: "pro" } },
    ],
    { aliases: { "anon-1": "u1" }, profiles: { u1: { tier: "gold" } } },
  );

  it("merges an alias's earlier events into one user for uniques", () => {
    assert.deepEqual(dayValue(data, { type: "unique" }), { Visit: 2 });
    assert.deepEqual(dayValue(data, {}), { Visit: 4 });
  });

  it("lets a funnel start as the anonymous id and finish as the identified one", () => {
    const reply = funnels(data, parseFunnelParams(query({ events: '["Visit", "Buy"]', ...DAY })));
    const steps = (reply.data["2024-01-01"] as FunnelDateReply).steps;
    assert.deepEqual(
      steps.map((s) => [s.count, s.avg_time]),
      [
        [2, null],
        [1, 7200],
      ],
    );
  });

  it("reads user[…] from the profile of the canonical user, for the alias's events too", () => {
    assert.deepEqual(dayValue(data, { on: 'user["tier"]' }), { gold: 2, undefined: 2 });
  });

  it("treats the no-user ids case-insensitively, and never aliases one into a user", () => {
    for (const id of [
      "anonymous",
      "NULL",
      "Undefined",
      "0",
      "-1",
      "{}",
      "00000000-0000-0000-0000-000000000000",
    ]) {
      assert.equal(isNoUserId(id), true, id);
    }
    assert.equal(isNoUserId("alice"), false);
    assert.equal(userOf("none", new Map([["none", "u1"]])), null);
    assert.equal(userOf("x", new Map([["x", "unknown"]])), null);
    assert.equal(userOf("x", new Map([["x", "u1"]])), "u1");
  });
});

function stored(partial: Partial<StoredEvent> & { offset: number }): StoredEvent {
  const time = partial.time ?? at("2024-01-01T10:00:00Z");
  return {
    event: "Visit",
    distinctId: "u1",
    time,
    insertId: "id-1",
    properties: { distinct_id: partial.distinctId ?? "u1", time },
    ...partial,
  };
}

function withEvents(events: StoredEvent[]): Dataset {
  return { ...datasetOf([]), events };
}

describe("duplicates", () => {
  it("counts a repeated (event, distinct_id, second, $insert_id) once, the latest ingested winning", () => {
    const t = at("2024-01-01T10:00:00Z");
    const data = withEvents([
      // Listed out of ingestion order on purpose: offset, not position, decides.
      stored({ offset: 3, time: t + 0.9, properties: { plan: "newest" } }),
      stored({ offset: 1, time: t, properties: { plan: "oldest" } }),
      stored({ offset: 2, time: t + 0.5, properties: { plan: "middle" } }),
    ]);
    assert.deepEqual(dayValue(data, { on: 'properties["plan"]' }), { newest: 1 });
  });

  it("keeps events that differ in second, distinct id, event or $insert_id, and generated ids", () => {
    const t = at("2024-01-01T10:00:00Z");
    const data = withEvents([
      stored({ offset: 1 }),
      stored({ offset: 2, time: t + 1 }),
      stored({ offset: 3, distinctId: "u2" }),
      stored({ offset: 4, insertId: "id-2" }),
      stored({ offset: 5, event: "Other" }),
      stored({ offset: 6, insertId: null }),
      stored({ offset: 7, insertId: null }),
    ]);
    assert.deepEqual(dayValue(data, {}), { Visit: 6 });
  });
});
