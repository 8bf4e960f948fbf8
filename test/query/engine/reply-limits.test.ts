// Replies whose size is known before any data is read are refused before they are built: events
// and events/properties list every name asked for in every bucket, zeros included, and funnels write
// every step's name twice a date. And an `on` that builds long strings is held by the characters of
// its segment names, not only by their number.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { events } from "../../../src/query/engine/events.js";
import { borrowTimelines, releaseTimelines } from "../../../src/query/engine/funnel-timelines.js";
import { funnels } from "../../../src/query/engine/funnels.js";
import { QueryMemory } from "../../../src/query/engine/query-memory.js";
import { segmentation } from "../../../src/query/engine/segmentation.js";
import { parseEventsParams, parseSegmentationParams } from "../../../src/query/params.js";
import { parseFunnelParams } from "../../../src/query/params-funnel.js";
import type { Dataset, StoredEvent } from "../../../src/query/reference/dataset.js";
import { loadDataset } from "./helpers.js";

/** 2024-01-15T00:00:00Z */
const DAY = 1705276800;

function stored(offset: number, s: string): StoredEvent {
  return {
    event: "E",
    distinctId: `u${offset}`,
    time: DAY + offset,
    insertId: null,
    properties: { s },
    offset,
  };
}

const DATASET: Dataset = {
  events: Array.from({ length: 20 }, (_, i) => stored(i, `${i}`.repeat(1000))),
  aliases: new Map(),
  profiles: new Map(),
  timeZone: "UTC",
  now: DAY + 86400,
};

const LONG_RANGE = { from_date: "2022-01-01", to_date: "2024-04-12", unit: "hour" };

describe("limits on what a reply may hold", () => {
  it("refuses 1,000 event names over 20,000 hours before reading anything, naming the bound", async (t) => {
    const { source } = await loadDataset(t, DATASET);
    const names = JSON.stringify(Array.from({ length: 1000 }, (_, i) => `event ${i}`));
    const q = new URLSearchParams({ ...LONG_RANGE, event: names });
    await assert.rejects(events(source, parseEventsParams(q)), {
      name: "QueryLimitError",
      bound: "maxCells",
      message: /the reply would hold 19,992,000 values \(at most 8,000,000\)/,
    });
    // The same names over one day fit.
    const day = new URLSearchParams({ from_date: "2024-01-15", to_date: "2024-01-15", event: names });
    const reply = await events(source, parseEventsParams(day));
    assert.equal(reply.legend_size, 1000);
  });

  it("refuses a funnel whose reply would pass maxReplyChars, counting its step names", async (t) => {
    const { source } = await loadDataset(t, DATASET);
    const steps = JSON.stringify(Array.from({ length: 20 }, (_, i) => `${"step ".repeat(200)}${i}`));
    const q = new URLSearchParams({ ...LONG_RANGE, events: steps, length: "1", length_unit: "day" });
    await assert.rejects(funnels(source, parseFunnelParams(q)), {
      name: "QueryLimitError",
      bound: "maxReplyChars",
    });
  });

  it("holds an `on` by the characters of its segment names", async (t) => {
    const { source } = await loadDataset(t, DATASET);
    const q = new URLSearchParams({
      from_date: "2024-01-15",
      to_date: "2024-01-15",
      event: "E",
      on: 'properties["s"] + properties["s"]',
    });
    const limited = { ...source, limits: { maxSegmentChars: 30_000 } };
    await assert.rejects(segmentation(limited, parseSegmentationParams(q)), {
      name: "QueryLimitError",
      bound: "maxSegmentChars",
    });
    const reply = (await segmentation(source, parseSegmentationParams(q))) as { legend_size: number };
    assert.equal(reply.legend_size, 20);
  });
});

describe("a costly expression inside one batch", () => {
  // Read per row (two properties: no table over one dictionary), each row running a quantifier
  // over 5,000 elements: a batch of 3,000 rows takes most of a second.
  const COSTLY = 'any(x, list(properties["s"]), x == properties["n"])';
  const list = JSON.stringify(Array(5000).fill(0));
  const costlyEvents = Array.from(
    { length: 3000 },
    (_, i): StoredEvent => ({
      event: "E",
      distinctId: "u",
      time: DAY + i,
      insertId: null,
      properties: { s: list, n: i },
      offset: i,
    }),
  );
  const ONE_DAY = { from_date: "2024-01-15", to_date: "2024-01-15" };

  /** The query, aborted on the loop's first turn: it must stop between chunks of rows. */
  async function stopsWhenAborted(run: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    const controller = new AbortController();
    const aborted = setImmediate(() => controller.abort(new Error("timed out")));
    await assert.rejects(run(controller.signal), { message: "timed out" });
    clearImmediate(aborted);
  }

  it("a where gives the event loop a turn between chunks of rows, so an abort stops the scan", async (t) => {
    const { source } = await loadDataset(t, { ...DATASET, events: costlyEvents });
    const q = new URLSearchParams({ ...ONE_DAY, event: "E", where: COSTLY });
    await stopsWhenAborted((signal) => segmentation({ ...source, signal }, parseSegmentationParams(q)));
  });

  it("so does an on, whose segments are taken a chunk of rows at a time", async (t) => {
    const { source } = await loadDataset(t, { ...DATASET, events: costlyEvents });
    const q = new URLSearchParams({ ...ONE_DAY, event: "E", on: COSTLY });
    await stopsWhenAborted((signal) => segmentation({ ...source, signal }, parseSegmentationParams(q)));
  });

  it("a funnel's pooled timelines keep none of its selectors or batches once it is done", async (t) => {
    const { source } = await loadDataset(t, { ...DATASET, events: costlyEvents.slice(0, 10) });
    const steps = [{ event: "E", selector: 'properties["n"] > 2' }, { event: "E" }];
    await funnels(
      source,
      parseFunnelParams(new URLSearchParams({ ...ONE_DAY, events: JSON.stringify(steps) })),
    );
    const pooled = borrowTimelines(new QueryMemory(1 << 30));
    try {
      assert.equal((pooled.marks as unknown as { bindings: Map<unknown, unknown> }).bindings.size, 0);
    } finally {
      releaseTimelines(pooled);
    }
  });

  it("and a funnel step's selector", async (t) => {
    const { source } = await loadDataset(t, { ...DATASET, events: costlyEvents });
    const steps = [{ event: "E", selector: COSTLY }, { event: "E" }];
    const q = new URLSearchParams({ ...ONE_DAY, events: JSON.stringify(steps) });
    await stopsWhenAborted((signal) => funnels({ ...source, signal }, parseFunnelParams(q)));
  });
});
