// A query's memory: its own bound (a 400 naming maxQueryBytes) and the pool every running query
// charges (refused as busy, and given back whatever way the query ended).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { funnels } from "../../../src/query/engine/funnels.js";
import { MemoryBusyError, MemoryPool, QueryMemory } from "../../../src/query/engine/query-memory.js";
import { retention } from "../../../src/query/engine/retention.js";
import { segmentation } from "../../../src/query/engine/segmentation.js";
import { parseSegmentationParams } from "../../../src/query/params.js";
import { parseFunnelParams } from "../../../src/query/params-funnel.js";
import { parseRetentionParams } from "../../../src/query/params-retention.js";
import type { Dataset, StoredEvent } from "../../../src/query/reference/dataset.js";
import { loadDataset } from "./helpers.js";

/** 2024-01-15T00:00:00Z */
const DAY = 1705276800;

/** 4,000 events of 400 users, "A" and "B" in turn. */
const DATASET: Dataset = {
  events: Array.from(
    { length: 4000 },
    (_, i): StoredEvent => ({
      event: i % 2 === 0 ? "A" : "B",
      distinctId: `u${i % 400}`,
      time: DAY + i,
      insertId: null,
      properties: { n: i },
      offset: i,
    }),
  ),
  aliases: new Map(),
  profiles: new Map(),
  timeZone: "UTC",
  now: DAY + 86400,
};
const ONE_DAY = { from_date: "2024-01-15", to_date: "2024-01-15" };
const FUNNEL = new URLSearchParams({ ...ONE_DAY, events: JSON.stringify([{ event: "A" }, { event: "B" }]) });

describe("a query's memory", () => {
  it("charges its own bound and the pool, and gives the pool back on release", () => {
    const pool = new MemoryPool(1000);
    const a = new QueryMemory(600, pool);
    const b = new QueryMemory(600, pool);
    a.charge(500, "rows");
    assert.throws(() => a.charge(200, "rows"), { name: "QueryLimitError", bound: "maxQueryBytes" });
    b.charge(400, "rows");
    assert.throws(() => b.charge(200, "rows"), MemoryBusyError);
    assert.equal(pool.used, 900);
    a.release();
    b.release();
    assert.equal(pool.used, 0);
  });

  it("refuses a funnel whose users' rows pass the query's bound, naming it", async (t) => {
    const { source } = await loadDataset(t, DATASET);
    await assert.rejects(
      funnels({ ...source, limits: { maxQueryBytes: 100_000 } }, parseFunnelParams(FUNNEL)),
      {
        name: "QueryLimitError",
        bound: "maxQueryBytes",
      },
    );
    const reply = await funnels(
      { ...source, limits: { maxQueryBytes: 1_000_000 } },
      parseFunnelParams(FUNNEL),
    );
    assert.equal(reply.meta.dates.length, 1);
  });

  it("a source used for many queries holds each to the bound, not all of them together", async (t) => {
    const { source } = await loadDataset(t, DATASET);
    const bounded = { ...source, limits: { maxQueryBytes: 1_000_000 } };
    for (let run = 0; run < 6; run++) await funnels(bounded, parseFunnelParams(FUNNEL));
  });

  it("refuses as busy a query the pool has no room for, and the pool keeps nothing of it", async (t) => {
    const { source } = await loadDataset(t, DATASET);
    const pool = new MemoryPool(200_000);
    const busy = new QueryMemory(1 << 30, pool);
    busy.charge(150_000, "another query's rows");
    const memory = new QueryMemory(1 << 30, pool);
    const q = new URLSearchParams({ ...ONE_DAY, event: "A", retention_type: "compounded" });
    await assert.rejects(retention({ ...source, memory }, parseRetentionParams(q)), MemoryBusyError);
    memory.release();
    assert.equal(pool.used, 150_000);
    busy.release();
    const counted = new URLSearchParams({ ...ONE_DAY, event: "A", type: "unique", on: 'properties["n"]' });
    const open = new QueryMemory(1 << 30, pool);
    await segmentation({ ...source, memory: open }, parseSegmentationParams(counted));
    assert.ok(open.held > 0, "counting distinct users charged the pool");
    open.release();
    assert.equal(pool.used, 0);
  });
});
