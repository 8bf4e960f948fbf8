// The engine over a live store: buffers are seen at once, sealed columns are decoded once and
// cached, duplicates resolve across segments and buffers, and queries stop at their bounds.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { segmentation } from "../../../src/query/engine/segmentation.js";
import type { QuerySource } from "../../../src/query/engine/source.js";
import { parseSegmentationParams } from "../../../src/query/params.js";
import { datasetOf, query } from "../dataset-builder.js";
import { asJson } from "./endpoints.js";
import { loadDataset } from "./helpers.js";

const JAN_1 = { event: "Buy", from_date: "2024-01-01", to_date: "2024-01-01" };

async function buys(source: QuerySource, params: Record<string, string> = {}): Promise<unknown> {
  const reply = await segmentation(source, parseSegmentationParams(query({ ...JAN_1, ...params })));
  return asJson(reply.data.values);
}

const THREE_BUYS = datasetOf([
  { event: "Buy", user: "alice", time: "2024-01-01T10:00:00Z", props: { plan: "pro" } },
  { event: "Buy", user: "bob", time: "2024-01-01T11:00:00Z", props: { plan: "free" } },
  { event: "Buy", user: "carol", time: "2024-01-01T12:00:00Z", props: { plan: "pro" } },
]);

describe("the engine over a live store", () => {
  it("counts an event appended to the write buffer a moment ago", async (t) => {
    const { source, store } = await loadDataset(t, THREE_BUYS, { sealAfter: [3] });
    assert.deepEqual(await buys(source), { Buy: { "2024-01-01": 3 } });
    await store.append(1, "UTC", [
      {
        event: "Buy",
        distinctId: "dave",
        time: Date.parse("2024-01-01T13:00:00Z") / 1000,
        insertId: null,
        properties: {},
        offset: 10,
      },
    ]);
    assert.deepEqual(await buys(source), { Buy: { "2024-01-01": 4 } });
  });

  it("decodes a sealed segment's columns once and reads them from the cache on the next query", async (t) => {
    const { source } = await loadDataset(t, THREE_BUYS, { sealAfter: [3] });
    const on = { on: 'properties["plan"]', where: 'properties["plan"] != "x"', type: "unique" };
    const first = await buys(source, on);
    const decoded = source.cache.stats.decodes;
    assert.ok(decoded > 0);
    assert.deepEqual(await buys(source, on), first);
    assert.equal(source.cache.stats.decodes, decoded, "no column decoded again");
    assert.ok(source.cache.bytes > 0);
  });

  it("lets a later copy in the buffer replace a duplicate sealed in a segment", async (t) => {
    const dataset = datasetOf([
      { event: "Buy", user: "alice", time: "2024-01-01T10:00:00Z", props: { plan: "free" }, insertId: "x1" },
      { event: "Buy", user: "bob", time: "2024-01-01T11:00:00Z", props: { plan: "free" }, insertId: "x2" },
      { event: "Buy", user: "alice", time: "2024-01-01T10:00:00Z", props: { plan: "pro" }, insertId: "x1" },
    ]);
    const { source } = await loadDataset(t, dataset, { sealAfter: [2] });
    assert.deepEqual(await buys(source, { on: 'properties["plan"]' }), {
      free: { "2024-01-01": 1 },
      pro: { "2024-01-01": 1 },
    });
  });

  it("stops an aborted query with the signal's reason", async (t) => {
    const { source } = await loadDataset(t, THREE_BUYS, { sealAfter: [3] });
    const controller = new AbortController();
    controller.abort(new Error("query timed out"));
    await assert.rejects(buys({ ...source, signal: controller.signal }), /query timed out/);
  });

  it("refuses a split into more segments than its bound, naming the bound", async (t) => {
    const { source } = await loadDataset(t, THREE_BUYS);
    await assert.rejects(
      buys({ ...source, limits: { maxSegments: 1 } }, { on: 'properties["plan"]' }),
      (e: Error & { bound?: string }) => e.bound === "maxSegments" && /more than 1 segments/.test(e.message),
    );
  });

  it("refuses a range holding more segment files than one query may scan", async (t) => {
    const { source } = await loadDataset(t, THREE_BUYS, { sealAfter: [1, 2, 3] });
    await assert.rejects(
      buys({ ...source, limits: { maxBatches: 2 } }),
      (e: Error & { bound?: string }) => e.bound === "maxBatches",
    );
  });
});
