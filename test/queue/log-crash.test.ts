import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { openLog } from "../../src/queue/log.js";
import type { QueueRecord } from "../../src/queue/queue.js";
import { crashPayload } from "./crash-payload.js";
import { payloads, tempDir } from "./temp-dir.js";

const CHILD = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
const KILL_AFTER_LINES = 5_000;

/** Runs the child until it has confirmed enough records, kill -9s it, and returns what it printed. */
async function appendUntilKilled(dir: string): Promise<Map<number, string>> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir, String(64 * 1024)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  let lines = 0;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
    lines += chunk.split("\n").length - 1;
    if (lines >= KILL_AFTER_LINES) child.kill("SIGKILL");
  });
  const [code, signal] = await once(child, "exit");
  assert.equal(signal, "SIGKILL", `the child exited by itself (code ${code}) before it was killed`);
  const confirmed = new Map<number, string>();
  for (const line of output.split("\n").slice(0, -1)) {
    const [offset, id] = line.split(" ");
    confirmed.set(Number(offset), id);
  }
  return confirmed;
}

test("every append confirmed before a kill -9 is in the log once, intact, and nothing else is corrupt", async (t) => {
  const dir = await tempDir(t);
  const confirmed = await appendUntilKilled(dir);
  assert.ok(confirmed.size >= KILL_AFTER_LINES, `${confirmed.size} records confirmed`);

  const log = await openLog({ dir });
  t.after(() => log.close());
  const consumer = await log.consumer("check");
  const records: QueueRecord[] = [];
  for (let batch = await consumer.read(); batch.length > 0; batch = await consumer.read())
    records.push(...batch);

  const idAt = new Map<number, string>();
  const seen = new Set<string>();
  for (const record of records) {
    const text = record.payload.toString();
    const id = text.slice(0, text.indexOf("|"));
    assert.ok(crashPayload(id).equals(record.payload), `record ${record.offset} is well formed`);
    assert.ok(!seen.has(id), `${id} appears once`);
    seen.add(id);
    idAt.set(record.offset, id);
  }
  for (const [offset, id] of confirmed) assert.equal(idAt.get(offset), id, `confirmed offset ${offset}`);

  const after = await log.append(payloads("after the crash"));
  assert.equal(after.first, records.length, "new appends continue right after the last good record");
});
