// The engine's retention (birth and compounded) against the reference: many seeded data sets ×
// random born and returning events, born_where, where, units, interval_count, `on` and `limit`;
// the replies must be identical.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { retention } from "../../../src/query/engine/retention.js";
import { parseRetentionParams } from "../../../src/query/params-retention.js";
import * as reference from "../../../src/query/reference/retention.js";
import { DENSE_NAMES, denseDataset } from "./funnel-dense-dataset.js";
import { compareWithReference, type DifferentialCase } from "./funnel-differential.js";
import { randomRetentionQuery } from "./funnel-queries.js";

const RETENTION: DifferentialCase = {
  name: "retention",
  query: randomRetentionQuery,
  reference: (dataset, q) => reference.retention(dataset, parseRetentionParams(q)),
  engine: (source, q) => retention(source, parseRetentionParams(q)),
};

describe("retention in the engine", () => {
  it("answers like the reference on random data sets and parameters", async () => {
    assert.equal(await compareWithReference(RETENTION, 30, 12), 30 * 12);
  });

  it("answers like the reference when many events share a time", async () => {
    const dense: DifferentialCase = {
      ...RETENTION,
      dataset: denseDataset,
      query: (random, days) => randomRetentionQuery(random, days, DENSE_NAMES),
    };
    assert.equal(await compareWithReference(dense, 20, 15), 20 * 15);
  });
});
