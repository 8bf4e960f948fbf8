import assert from "node:assert/strict";
import { getPriority } from "node:os";
import { test } from "node:test";
import { Worker } from "node:worker_threads";

test("a thread lowers its own priority (on Linux) without lowering the process's", async () => {
  const entry = new URL("../../src/util/thread-priority.ts", import.meta.url).href;
  const worker = new Worker(
    `import("tsx/esm/api").then(async (tsx) => {
       const { setThisThreadNice } = await tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)});
       const { parentPort } = await import("node:worker_threads");
       const { readlinkSync } = await import("node:fs");
       const { getPriority } = await import("node:os");
       const done = setThisThreadNice(10);
       if (!done) return parentPort.postMessage({ done, nice: 0 });
       const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
       parentPort.postMessage({ done, nice: getPriority(tid) });
     });`,
    { eval: true },
  );
  const reply = await new Promise<{ done: boolean; nice: number }>((resolve) =>
    worker.once("message", resolve),
  );
  await worker.terminate();
  // Other systems cannot tell threads apart: the call says so and changes nothing.
  const linux = process.platform === "linux";
  assert.deepEqual(reply, linux ? { done: true, nice: 10 } : { done: false, nice: 0 });
  assert.equal(getPriority(process.pid), 0, "the main thread keeps its priority");
});
