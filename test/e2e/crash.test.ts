import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

interface Child {
  readonly proc: ChildProcess;
  readonly base: string;
  readonly secret: string;
  readonly token: string;
}

const dataDir = mkdtempSync(join(tmpdir(), "tally-crash-"));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function startChild(): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", "test/e2e/crash-child.ts", dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(proc);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`child exited with ${code} before listening`)));
  });
  const info = JSON.parse(line) as { port: number; secret: string; token: string };
  return { proc, base: `http://127.0.0.1:${info.port}`, secret: info.secret, token: info.token };
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once("exit", () => resolve()));
}

const auth = (c: Child) => `Basic ${Buffer.from(`${c.secret}:`).toString("base64")}`;
const start = Math.floor(Date.now() / 1000) - 3 * 86400;

/** One client: sends batches until told to stop, remembering every insert id the server acknowledged. */
async function client(c: Child, id: number, acked: Set<string>, sent: Set<string>, stop: { now: boolean }) {
  for (let batch = 0; !stop.now; batch++) {
    const events = Array.from({ length: 50 }, (_, k) => {
      const insertId = `c${id}-b${batch}-e${k}`;
      sent.add(insertId);
      const time = start + ((batch * 50 + k) % (3 * 86400));
      return { event: `E${k % 5}`, properties: { distinct_id: `u${k % 17}`, time, $insert_id: insertId, k } };
    });
    try {
      const res = await fetch(`${c.base}/import?strict=1`, {
        method: "POST",
        headers: { authorization: auth(c), "content-type": "application/json" },
        body: JSON.stringify(events),
      });
      const body = (await res.json()) as { num_records_imported?: number };
      if (res.status === 200 && body.num_records_imported === 50)
        for (const e of events) acked.add(e.properties.$insert_id);
    } catch {
      return; // the server died under us: this batch was never acknowledged
    }
    await sleep(15); // a steady trickle, so that the kill lands mid-stream and the check stays quick
  }
}

async function exportInsertIds(c: Child): Promise<string[]> {
  const to = new Date().toISOString().slice(0, 10);
  const res = await fetch(`${c.base}/api/2.0/export?from_date=2020-01-01&to_date=${to}`, {
    headers: { authorization: auth(c) },
  });
  assert.equal(res.status, 200);
  return (await res.text())
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (JSON.parse(l) as { properties: { $insert_id: string } }).properties.$insert_id);
}

test("kill -9 during processing, sealing and compaction loses and duplicates no accepted event", async () => {
  const acked = new Set<string>();
  const sent = new Set<string>();
  for (let round = 0; round < 3; round++) {
    const child = await startChild();
    const stop = { now: false };
    const clients = [0, 1, 2, 3].map((i) => client(child, round * 10 + i, acked, sent, stop));
    await sleep(700 + round * 200);
    child.proc.kill("SIGKILL");
    stop.now = true;
    await Promise.all(clients);
    await exited(child.proc);
  }
  assert.ok(acked.size > 500, `enough events were acknowledged to mean something (${acked.size})`);
  const child = await startChild();
  let ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    ids = await exportInsertIds(child);
    if ([...acked].every((id) => ids.includes(id))) break;
    await sleep(100);
  }
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const missing = [...acked].filter((id) => !counts.has(id));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unknown = [...counts.keys()].filter((id) => !sent.has(id));
  assert.deepEqual(missing, [], "every acknowledged event is there");
  assert.deepEqual(duplicated, [], "no event is there twice");
  assert.deepEqual(unknown, [], "nothing that was never sent");
  child.proc.kill("SIGKILL");
});
