// The engine with scan workers: a cold query decodes its sealed days on worker threads, and must
// answer exactly as the reference does (the differential data sets: zones with clock changes,
// aliases, duplicates across segments and buffers, lists, profiles). An aborted query stops its
// workers; a worker that dies fails its query with a clear error and is replaced.

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { addiction } from "../../../src/query/engine/addiction.js";
import { type DatasetSource, datasetSource } from "../../../src/query/engine/dataset-source.js";
import { EngineCache } from "../../../src/query/engine/engine-cache.js";
import { funnels } from "../../../src/query/engine/funnels.js";
import { retention } from "../../../src/query/engine/retention.js";
import { ScanPool, ScanWorkerError } from "../../../src/query/engine/scan-pool.js";
import type { QuerySource } from "../../../src/query/engine/source.js";
import { parseFunnelParams } from "../../../src/query/params-funnel.js";
import { parseAddictionParams, parseRetentionParams } from "../../../src/query/params-retention.js";
import * as refAddiction from "../../../src/query/reference/addiction.js";
import * as refFunnels from "../../../src/query/reference/funnels.js";
import * as refRetention from "../../../src/query/reference/retention.js";
import { seededRandom } from "../../seeded-random.js";
import { asJson, ROUTES } from "./endpoints.js";
import { compareWithReference, type DifferentialCase } from "./funnel-differential.js";
import { randomAddictionQuery, randomFunnelQuery, randomRetentionQuery } from "./funnel-queries.js";
import { randomDataset, sealPoints } from "./random-dataset.js";
import { ENDPOINTS, randomQuery } from "./random-queries.js";

const pool = new ScanPool({ size: 2 });
after(() => pool.close());

/** The source with an empty cache and the pool: every sealed day of the query is cold. */
function cold(source: QuerySource, workers: ScanPool = pool, signal?: AbortSignal): QuerySource {
  return { ...source, cache: new EngineCache(), workers, ...(signal === undefined ? {} : { signal }) };
}

async function withDataset(
  seed: number,
  sealAfter: (events: number) => number[],
  use: (loaded: DatasetSource, days: readonly string[]) => Promise<void>,
): Promise<void> {
  const { dataset, days } = randomDataset(seed);
  const dir = await mkdtemp(join(tmpdir(), "tally-scan-workers-"));
  const loaded = await datasetSource(dataset, dir, {
    sealAfter: sealAfter(dataset.events.length),
    compact: seed % 3 === 0,
  });
  try {
    await use(loaded, days);
  } finally {
    await loaded.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe("scan workers", () => {
  it("leave every endpoint's replies equal to the reference's when cold days decode on them", async () => {
    const before = pool.decodedDays;
    let compared = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const { dataset } = randomDataset(seed);
      await withDataset(
        seed,
        (n) => sealPoints(seed, n),
        async (loaded, days) => {
          const random = seededRandom(seed * 31 + 5);
          for (const endpoint of ENDPOINTS) {
            for (let n = 0; n < 2; n++) {
              const q = new URLSearchParams(randomQuery(random, endpoint, days));
              const expected = asJson(ROUTES[endpoint].reference(dataset, q));
              const actual = asJson(await ROUTES[endpoint].engine(cold(loaded.source), q));
              assert.deepEqual(actual, expected, `seed ${seed}, ${endpoint}?${q} (${dataset.timeZone})`);
              compared++;
            }
          }
        },
      );
    }
    assert.equal(compared, 8 * ENDPOINTS.length * 2);
    assert.ok(pool.decodedDays > before, "the workers decoded days");
  });

  it("leave funnels, retention and addiction equal to the reference's", async () => {
    const cases: DifferentialCase[] = [
      {
        name: "funnels",
        query: randomFunnelQuery,
        reference: (d, q) => refFunnels.funnels(d, parseFunnelParams(q)),
        engine: (s, q) => funnels(cold(s), parseFunnelParams(q)),
      },
      {
        name: "retention",
        query: randomRetentionQuery,
        reference: (d, q) => refRetention.retention(d, parseRetentionParams(q)),
        engine: (s, q) => retention(cold(s), parseRetentionParams(q)),
      },
      {
        name: "retention/addiction",
        query: randomAddictionQuery,
        reference: (d, q) => refAddiction.addiction(d, parseAddictionParams(q)),
        engine: (s, q) => addiction(cold(s), parseAddictionParams(q)),
      },
    ];
    for (const c of cases) assert.equal(await compareWithReference(c, 6, 4, 40), 6 * 4);
  });

  it("leave nothing for a repeated query to decode", async () => {
    await withDataset(
      4,
      (n) => [n],
      async (loaded, days) => {
        const source = cold(loaded.source);
        const q = new URLSearchParams({
          event: "Buy",
          from_date: days[0],
          to_date: days.at(-1) as string,
          type: "unique",
          on: 'properties["plan"]',
          where: 'properties["amount"] > 1',
        });
        const first = asJson(await ROUTES.segmentation.engine(source, q));
        const loads = source.cache.stats.decodes;
        assert.ok(loads > 0);
        assert.deepEqual(asJson(await ROUTES.segmentation.engine(source, q)), first);
        assert.equal(source.cache.stats.decodes, loads);
      },
    );
  });

  it("stop decoding ahead once the days fill half the cache, and the scan decodes the rest", async () => {
    await withDataset(
      8,
      (n) => [n],
      async (loaded, days) => {
        const range = { from_date: days[0], to_date: days.at(-1) as string };
        const q = new URLSearchParams({ ...range, type: "unique", event: JSON.stringify(["Buy", "Visit"]) });
        const { dataset } = randomDataset(8);
        const before = pool.decodedDays;
        const small = { ...cold(loaded.source), cache: new EngineCache({ maxBytes: 256 }) };
        assert.deepEqual(
          asJson(await ROUTES.events.engine(small, q)),
          asJson(ROUTES.events.reference(dataset, q)),
        );
        assert.ok(days.length > pool.size);
        assert.ok(
          pool.decodedDays - before <= pool.size,
          "no day was queued after the first one filled the bound",
        );
      },
    );
  });

  it("stop an aborted query's work, and answer the next query on fresh threads", async () => {
    await withDataset(
      5,
      (n) => [n],
      async (loaded, days) => {
        const q = new URLSearchParams({ from_date: days[0], to_date: days.at(-1) as string, event: "Visit" });
        const controller = new AbortController();
        const started = pool.started;
        const running = ROUTES.segmentation.engine(cold(loaded.source, pool, controller.signal), q);
        controller.abort(new Error("the query ran out of time"));
        await assert.rejects(running, /the query ran out of time/);
        const { dataset } = randomDataset(5);
        const expected = asJson(ROUTES.segmentation.reference(dataset, q));
        assert.deepEqual(asJson(await ROUTES.segmentation.engine(cold(loaded.source), q)), expected);
        assert.ok(pool.started > started, "a thread stopped by the abort was replaced");
      },
    );
  });

  it("fail a query whose worker dies with a clear error, and replace the worker", async () => {
    const dying = new ScanPool({
      size: 1,
      entry: new URL("./fixtures/exiting-scan-worker.mjs", import.meta.url),
    });
    try {
      await withDataset(
        6,
        (n) => [n],
        async (loaded, days) => {
          const q = new URLSearchParams({ from_date: days[0], to_date: days.at(-1) as string, event: "Buy" });
          for (let attempt = 1; attempt <= 2; attempt++) {
            await assert.rejects(ROUTES.segmentation.engine(cold(loaded.source, dying), q), (error) => {
              assert.ok(error instanceof ScanWorkerError);
              assert.match(
                error.message,
                /a scan worker stopped \(exit code 7\) while decoding \d{4}-\d{2}-\d{2}/,
              );
              return true;
            });
          }
          assert.equal(dying.started, 2);
        },
      );
    } finally {
      await dying.close();
    }
  });

  it("decode on the calling thread when the pool has no threads", async () => {
    const none = new ScanPool({ size: 0 });
    await withDataset(
      7,
      (n) => [n],
      async (loaded, days) => {
        const q = new URLSearchParams({ from_date: days[0], to_date: days.at(-1) as string, event: "Buy" });
        const { dataset } = randomDataset(7);
        const expected = asJson(ROUTES.segmentation.reference(dataset, q));
        assert.deepEqual(asJson(await ROUTES.segmentation.engine(cold(loaded.source, none), q)), expected);
        assert.equal(none.started, 0);
      },
    );
  });
});
