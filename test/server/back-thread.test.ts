import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { setThisThreadNice } from "../../src/util/thread-priority.js";
import {
  eventually,
  exportAll,
  importEvents,
  query,
  startTestTally,
  type TestTally,
  today,
} from "../e2e/helpers.js";
import { SCHED_IDLE, SCHED_OTHER, threadStat } from "../thread-stat.js";

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

/** This process's threads as [thread id, nice value, scheduling policy] (Linux). */
function threads(): [number, number, number][] {
  const list: [number, number, number][] = [];
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const { nice, policy } = threadStat(`/proc/self/task/${tid}/stat`);
      list.push([Number(tid), nice, policy]);
    } catch {
      // The thread ended while the list was read.
    }
  }
  return list;
}

test("the back thread runs below every ordinary thread (Linux: nice 19 and SCHED_IDLE), the serving thread stays ordinary", async () => {
  if (process.platform !== "linux") {
    // Elsewhere threads cannot be told apart, and the calls that lower one say so.
    assert.equal(setThisThreadNice(19), false);
    return;
  }
  const chrt = spawnSync("chrt", ["--version"]).status === 0;
  const lowered = await eventually(
    async () => threads().filter(([, nice]) => nice === 19),
    (list) => list.length > 0,
  );
  assert.ok(lowered.length > 0, "a thread at nice 19: the back thread");
  for (const [tid, , policy] of lowered) {
    assert.equal(policy, chrt ? SCHED_IDLE : SCHED_OTHER, `thread ${tid}'s scheduling policy`);
  }
  const [main] = threads().filter(([tid]) => tid === process.pid);
  assert.deepEqual(main.slice(1), [0, SCHED_OTHER], "the serving thread's nice value and policy");
});
