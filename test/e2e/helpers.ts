// A real Tally on a temp data directory, in process, and small clients for its two APIs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Project } from "../../src/projects/project.js";
import { createLogger } from "../../src/server/log.js";
import { type RunningTally, startTally } from "../../src/server/tally.js";

export interface TestTally {
  readonly tally: RunningTally;
  readonly project: Project;
  readonly base: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export async function startTestTally(
  dataDir = mkdtempSync(join(tmpdir(), "tally-e2e-")),
): Promise<TestTally> {
  const tally = await startTally({ dataDir, host: "127.0.0.1", port: 0, logger: createLogger(() => {}) });
  const project = tally.createdProject ?? tally.registry.list()[0];
  return {
    tally,
    project,
    base: `http://127.0.0.1:${tally.port}`,
    dataDir,
    async stop() {
      await tally.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function basicAuth(t: TestTally): string {
  return `Basic ${Buffer.from(`${t.project.secret}:`).toString("base64")}`;
}

/** Sends records as the browser SDK does (form POST of base64 JSON); returns the verbose reply. */
export async function track(t: TestTally, records: unknown[], endpoint = "track"): Promise<unknown> {
  const body = new URLSearchParams({ data: Buffer.from(JSON.stringify(records)).toString("base64") });
  const res = await fetch(`${t.base}/${endpoint}?verbose=1`, { method: "POST", body });
  return res.json();
}

/** Sends events to /import as JSON with the project's secret; returns the reply. */
export async function importEvents(t: TestTally, events: unknown[]): Promise<unknown> {
  const res = await fetch(`${t.base}/import?strict=1`, {
    method: "POST",
    headers: { authorization: basicAuth(t), "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  return res.json();
}

export async function query(t: TestTally, name: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${t.base}/api/2.0/${name}?${new URLSearchParams(params)}`, {
    headers: { authorization: basicAuth(t) },
  });
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export async function exportAll(t: TestTally, params: Record<string, string> = {}): Promise<unknown[]> {
  const res = await query(t, "export", { from_date: "2020-01-01", to_date: today(), ...params });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${text}`);
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

/** Polls until `check` passes or `ms` runs out; returns the last value. */
export async function eventually<T>(
  fetchValue: () => Promise<T>,
  check: (v: T) => boolean,
  ms = 3000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await fetchValue();
  while (!check(value) && Date.now() < deadline) {
    await sleep(25);
    value = await fetchValue();
  }
  return value;
}
