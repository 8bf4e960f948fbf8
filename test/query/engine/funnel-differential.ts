// Runs an engine endpoint and its reference on many seeded random data sets (loaded into a store
// with varied seal points, some compacted) with random parameters, and compares the replies after a
// JSON round trip. Shared by the funnel and retention differential tests.

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { datasetSource } from "../../../src/query/engine/dataset-source.js";
import type { QuerySource } from "../../../src/query/engine/source.js";
import type { Dataset } from "../../../src/query/reference/dataset.js";
import { type Random, seededRandom } from "../../seeded-random.js";
import { asJson } from "./endpoints.js";
import { type DatasetShape, randomDataset } from "./random-dataset.js";

export interface DifferentialCase {
  readonly name: string;
  /** The data set of a seed; random-dataset.ts by default. */
  readonly dataset?: (seed: number) => DatasetShape;
  readonly query: (random: Random, days: readonly string[]) => Record<string, string>;
  readonly reference: (dataset: Dataset, q: URLSearchParams) => unknown;
  readonly engine: (source: QuerySource, q: URLSearchParams) => Promise<unknown>;
}

/** Seal points: none (all in buffers), some, or many. */
function sealPoints(seed: number, events: number): number[] {
  const random = seededRandom(seed * 7 + 1);
  const points: number[] = [];
  for (let at = 0; at < events; at += 1 + Math.floor(random() * events * 0.4)) {
    if (random() < 0.6) points.push(at);
  }
  return points;
}

/** Compares `queries` random queries on each of `datasets` data sets; returns how many. */
export async function compareWithReference(
  c: DifferentialCase,
  datasets: number,
  queries: number,
  firstSeed = 1,
): Promise<number> {
  let compared = 0;
  for (let seed = firstSeed; seed < firstSeed + datasets; seed++) {
    const { dataset, days } = c.dataset?.(seed) ?? randomDataset(seed, 80 + (seed % 5) * 60);
    const dir = await mkdtemp(join(tmpdir(), "tally-funnel-"));
    const loaded = await datasetSource(dataset, dir, {
      sealAfter: sealPoints(seed, dataset.events.length),
      compact: seed % 3 === 0,
    });
    try {
      const random = seededRandom(seed * 131 + 7);
      for (let n = 0; n < queries; n++) {
        const q = new URLSearchParams(c.query(random, days));
        const expected = asJson(c.reference(dataset, q));
        const actual = asJson(await c.engine(loaded.source, q));
        assert.deepEqual(actual, expected, `seed ${seed}, ${c.name}?${q} (${dataset.timeZone})`);
        compared++;
      }
    } finally {
      await loaded.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return compared;
}
