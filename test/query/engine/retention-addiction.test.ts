// The engine's retention/addiction against the reference: many seeded data sets × random events,
// `where`, units and addiction units (clock changes give 23- and 25-hour days); the replies must be
// identical.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addiction } from "../../../src/query/engine/addiction.js";
import { parseAddictionParams } from "../../../src/query/params-retention.js";
import * as reference from "../../../src/query/reference/addiction.js";
import { DENSE_NAMES, denseDataset } from "./funnel-dense-dataset.js";
import { compareWithReference, type DifferentialCase } from "./funnel-differential.js";
import { randomAddictionQuery } from "./funnel-queries.js";

const ADDICTION: DifferentialCase = {
  name: "retention/addiction",
  query: randomAddictionQuery,
  reference: (dataset, q) => reference.addiction(dataset, parseAddictionParams(q)),
  engine: (source, q) => addiction(source, parseAddictionParams(q)),
};

describe("retention/addiction in the engine", () => {
  it("answers like the reference on random data sets and parameters", async () => {
    assert.equal(await compareWithReference(ADDICTION, 25, 8), 25 * 8);
  });

  it("answers like the reference on data sets dense in users and times", async () => {
    const dense: DifferentialCase = {
      ...ADDICTION,
      dataset: denseDataset,
      query: (random, days) => randomAddictionQuery(random, days, DENSE_NAMES),
    };
    assert.equal(await compareWithReference(dense, 15, 10), 15 * 10);
  });
});
