import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { getPriority } from "node:os";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { SCHED_IDLE, SCHED_OTHER, threadStat } from "../thread-stat.js";

const linux = process.platform === "linux";

/** Runs `call`, a function of the module and of helpers about the worker's own thread, in a worker. */
async function inWorker<T>(call: string): Promise<T> {
  const entry = new URL("../../src/util/thread-priority.ts", import.meta.url).href;
  const statEntry = new URL("../thread-stat.ts", import.meta.url).href;
  const worker = new Worker(
    `import("tsx/esm/api").then(async (tsx) => {
       const priority = await tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)});
       const { parentPort } = await import("node:worker_threads");
       const { readlinkSync } = await import("node:fs");
       const { getPriority } = await import("node:os");
       const tid = () => Number(readlinkSync("/proc/thread-self").split("/").pop());
       const { threadStat } = await tsx.tsImport(${JSON.stringify(statEntry)}, ${JSON.stringify(import.meta.url)});
       const policy = () => threadStat("/proc/thread-self/stat").policy;
       parentPort.postMessage(await (${call})(priority, { tid, policy, getPriority }));
     });`,
    { eval: true },
  );
  try {
    return await new Promise<T>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  } finally {
    await worker.terminate();
  }
}

test("a thread lowers its own priority (on Linux) without lowering the process's", async () => {
  const reply = await inWorker<{ done: boolean; nice: number }>(
    `(priority, self) => {
       const done = priority.setThisThreadNice(10);
       return { done, nice: done ? self.getPriority(self.tid()) : 0 };
     }`,
  );
  // Other systems cannot tell threads apart: the call says so and changes nothing.
  assert.deepEqual(reply, linux ? { done: true, nice: 10 } : { done: false, nice: 0 });
  assert.equal(getPriority(process.pid), 0, "the main thread keeps its priority");
});

test("a thread puts itself in SCHED_IDLE where Linux and chrt allow, and the main thread stays ordinary", async () => {
  const reply = await inWorker<{ done: boolean; policy: number }>(
    `async (priority, self) => {
       const done = await priority.setThisThreadIdle();
       return { done, policy: process.platform === "linux" ? self.policy() : -1 };
     }`,
  );
  const chrt = linux && spawnSync("chrt", ["--version"]).status === 0;
  // Without chrt the call says so, and the thread keeps its ordinary policy.
  const expected = chrt
    ? { done: true, policy: SCHED_IDLE }
    : { done: false, policy: linux ? SCHED_OTHER : -1 };
  assert.deepEqual(reply, expected);
  if (linux) assert.equal(threadStat(`/proc/${process.pid}/stat`).policy, SCHED_OTHER);
});
