import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  eventually,
  exportAll,
  importEvents,
  query,
  startTestTally,
  type TestTally,
  today,
} from "../e2e/helpers.js";

let t: TestTally;
before(async () => {
  t = await startTestTally();
});
after(() => t.stop());

const now = Math.floor(Date.now() / 1000) - 60;

function events(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    event: "Back",
    properties: {
      token: t.project.token,
      distinct_id: `${prefix}-${i}`,
      time: now,
      $insert_id: `${prefix}-${i}`,
    },
  }));
}

test("when the back thread dies, ingestion goes on, queries answer 503, and it comes back with every event", async () => {
  await importEvents(t, events("before", 5));
  await eventually(
    () => exportAll(t, { event: '["Back"]' }),
    (e) => e.length === 5,
  );

  await t.tally.back.kill();
  const down = await query(t, "export", { from_date: "2020-01-01", to_date: today() });
  assert.equal(down.status, 503);
  assert.match(((await down.json()) as { error: string }).error, /restarting/);
  assert.deepEqual(await importEvents(t, events("during", 7)), {
    code: 200,
    num_records_imported: 7,
    status: "OK",
  });

  const back = await eventually(
    () => exportAll(t, { event: '["Back"]' }).catch(() => []),
    (e) => e.length === 12,
    10_000,
  );
  const metrics = await (await fetch(`${t.base}/metrics`)).text();
  assert.match(metrics, /^tally_back_thread_restarts_total 1$/m);
  const ids = back.map((e) => (e as { properties: { distinct_id: string } }).properties.distinct_id).sort();
  assert.deepEqual(
    ids,
    [...events("before", 5), ...events("during", 7)].map((e) => e.properties.distinct_id).sort(),
  );
});
