// The engine's funnels against the reference: many seeded data sets (zones with clock changes,
// aliases, "no user" ids, duplicates across segments and buffers, lists, profiles, events sharing
// one time) × random steps, selectors, windows, units, `on`, `where` and `limit`; the replies must
// be identical.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { funnels } from "../../../src/query/engine/funnels.js";
import { parseFunnelParams } from "../../../src/query/params-funnel.js";
import * as reference from "../../../src/query/reference/funnels.js";
import { DENSE_NAMES, denseDataset } from "./funnel-dense-dataset.js";
import { compareWithReference, type DifferentialCase } from "./funnel-differential.js";
import { randomFunnelQuery } from "./funnel-queries.js";

const FUNNELS: DifferentialCase = {
  name: "funnels",
  query: randomFunnelQuery,
  reference: (dataset, q) => reference.funnels(dataset, parseFunnelParams(q)),
  engine: (source, q) => funnels(source, parseFunnelParams(q)),
};

describe("funnels in the engine", () => {
  it("answer like the reference on random data sets and parameters", async () => {
    assert.equal(await compareWithReference(FUNNELS, 30, 12), 30 * 12);
  });

  it("answer like the reference when many events share a time and steps repeat", async () => {
    const dense: DifferentialCase = {
      ...FUNNELS,
      dataset: denseDataset,
      query: (random, days) => randomFunnelQuery(random, days, DENSE_NAMES),
    };
    assert.equal(await compareWithReference(dense, 20, 15), 20 * 15);
  });
});
