// The engine over Tally's store against the reference over the same data: many seeded data sets
// (several zones and clock changes, aliases, duplicates across segments and buffers, lists,
// "no user" ids, profiles) × every endpoint × random parameters; replies must be identical.

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { datasetSource } from "../../../src/query/engine/dataset-source.js";
import { seededRandom } from "../../seeded-random.js";
import { asJson, ROUTES } from "./endpoints.js";
import { randomDataset, sealPoints } from "./random-dataset.js";
import { ENDPOINTS, randomQuery } from "./random-queries.js";

const DATASETS = 24;
const QUERIES_PER_ENDPOINT = 6;

describe("the engine answers like the reference", () => {
  it(`gives identical replies for ${ENDPOINTS.length} endpoints over ${DATASETS} random data sets`, async () => {
    let compared = 0;
    for (let seed = 1; seed <= DATASETS; seed++) {
      const { dataset, days } = randomDataset(seed);
      const dir = await mkdtemp(join(tmpdir(), "tally-engine-"));
      const loaded = await datasetSource(dataset, dir, {
        sealAfter: sealPoints(seed, dataset.events.length),
        compact: seed % 3 === 0,
      });
      try {
        const random = seededRandom(seed * 31 + 5);
        for (const endpoint of ENDPOINTS) {
          for (let n = 0; n < QUERIES_PER_ENDPOINT; n++) {
            const params = randomQuery(random, endpoint, days);
            const q = new URLSearchParams(params);
            const expected = asJson(ROUTES[endpoint].reference(dataset, q));
            const actual = asJson(await ROUTES[endpoint].engine(loaded.source, q));
            assert.deepEqual(actual, expected, `seed ${seed}, ${endpoint}?${q} (${dataset.timeZone})`);
            compared++;
          }
        }
      } finally {
        await loaded.close();
        await rm(dir, { recursive: true, force: true });
      }
    }
    assert.equal(compared, DATASETS * ENDPOINTS.length * QUERIES_PER_ENDPOINT);
  });
});
