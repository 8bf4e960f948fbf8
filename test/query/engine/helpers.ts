// Shared pieces of the engine tests: a temporary store loaded from a hand-made data set.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import {
  type DatasetSource,
  type DatasetStoreOptions,
  datasetSource,
} from "../../../src/query/engine/dataset-source.js";
import type { Dataset } from "../../../src/query/reference/dataset.js";

/** Loads `dataset` into a store in a temp dir that is closed and removed after the test. */
export async function loadDataset(
  t: TestContext,
  dataset: Dataset,
  options: DatasetStoreOptions = {},
): Promise<DatasetSource> {
  const dir = await mkdtemp(join(tmpdir(), "tally-engine-"));
  const loaded = await datasetSource(dataset, dir, options);
  t.after(async () => {
    await loaded.close();
    await rm(dir, { recursive: true, force: true });
  });
  return loaded;
}
