// `tally serve` as a user runs it: a child process on a data directory, configured by flags or the
// environment, with `tally project add` beside it and the operational endpoints answering.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { base64Json, httpRequest, tempDataDir } from "./helpers.js";
import { freePort, runTally, startServe } from "./tally-process.js";

interface Credentials {
  readonly token: string;
  readonly secret: string;
}

/** The token and secret from the first start's welcome text. */
function printedCredentials(stdout: string): Credentials {
  const token = /^\s*token:\s+(\S+)$/m.exec(stdout)?.[1];
  const secret = /^\s*API secret:\s+(\S+)$/m.exec(stdout)?.[1];
  assert.ok(token !== undefined && secret !== undefined, `no token and secret in:\n${stdout}`);
  return { token, secret };
}

function track(port: number, token: string, event = "Opened app"): Promise<string> {
  const data = base64Json({ event, properties: { token, distinct_id: "user-1" } });
  return httpRequest(port, `/track?data=${encodeURIComponent(data)}`).then((reply) => reply.text);
}

test("the first start prints the new project's token and secret; a restart from TALLY_PORT and TALLY_DATA_DIR prints none and keeps the project", async (t) => {
  const dataDir = join(await tempDataDir(t), "data");
  const first = await startServe(t, { args: ["--port", "0", "--data-dir", dataDir] });
  const { token, secret } = printedCredentials(first.stdout());
  assert.match(first.stdout(), /curl 'http:\/\/127\.0\.0\.1:\d+\/track\?verbose=1&data=/);
  assert.equal(await track(first.port, token), "1");
  assert.deepEqual(await first.stop(), { code: 0, signal: null });

  const port = await freePort();
  const second = await startServe(t, { env: { TALLY_PORT: String(port), TALLY_DATA_DIR: dataDir } });
  assert.equal(second.port, port, "listens on TALLY_PORT");
  assert.equal(second.stdout(), "", "prints nothing on a data directory that has a project");
  assert.equal(await track(port, token), "1", "the first start's token still works");
  assert.deepEqual(await second.stop(), { code: 0, signal: null });

  assert.ok(existsSync(join(dataDir, "meta.db")), "projects live in TALLY_DATA_DIR");
  const projects = (await runTally(["project", "list", "--data-dir", dataDir])).trim().split("\n");
  assert.equal(projects.length, 1);
  assert.deepEqual(JSON.parse(projects[0]), { id: 1, name: "Default", token, secret, timezone: "UTC" });
});

test("a project added with tally project add while the server runs has its events accepted within a second", async (t) => {
  const dataDir = await tempDataDir(t);
  const server = await startServe(t, { args: ["--port", "0", "--data-dir", dataDir] });
  assert.equal(await track(server.port, "shop-token-0001"), "0", "unknown before it is added");

  const added = await runTally([
    "project",
    "add",
    "Shop",
    "--token",
    "shop-token-0001",
    "--data-dir",
    dataDir,
  ]);
  const project = JSON.parse(added) as { id: number; name: string; token: string; timezone: string };
  assert.deepEqual(
    { id: project.id, name: project.name, token: project.token, timezone: project.timezone },
    { id: 2, name: "Shop", token: "shop-token-0001", timezone: "UTC" },
  );
  const started = performance.now();
  let reply = await track(server.port, "shop-token-0001");
  while (reply !== "1" && performance.now() - started < 1000) {
    await sleep(50);
    reply = await track(server.port, "shop-token-0001");
  }
  assert.equal(reply, "1", `still refused ${Math.round(performance.now() - started)} ms after the add`);
  const listed = await runTally(["project", "list", "--data-dir", dataDir]);
  assert.deepEqual(
    listed
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { name: string }).name),
    ["Default", "Shop"],
  );
});

test("/healthz and /readyz answer, and /metrics counts accepted and rejected records by reason, queue depth and fsync latency", async (t) => {
  const dataDir = await tempDataDir(t);
  const server = await startServe(t, { args: ["--port", "0", "--data-dir", dataDir] });
  const { token } = printedCredentials(server.stdout());

  assert.deepEqual(await status(server.port, "/healthz"), [200, "ok\n"]);
  assert.deepEqual(await status(server.port, "/readyz"), [200, "ready\n"]);

  const three = [1, 2, 3].map((i) => ({ event: `e${i}`, properties: { token, distinct_id: "u" } }));
  assert.equal(
    (await httpRequest(server.port, `/track?data=${encodeURIComponent(base64Json(three))}`)).text,
    "1",
  );
  assert.equal(await track(server.port, "not-a-known-token"), "0");
  assert.equal((await httpRequest(server.port, "/track?data=%%%not-base64")).status, 400);

  const metrics = await httpRequest(server.port, "/metrics");
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  const value = (series: string): number => {
    const line = metrics.text.split("\n").find((l) => l.startsWith(`${series} `));
    assert.ok(line !== undefined, `no ${series} in /metrics`);
    return Number(line.slice(series.length + 1));
  };
  assert.equal(value('tally_records_accepted_total{kind="event"}'), 3);
  assert.equal(value('tally_records_rejected_total{reason="unknown_token"}'), 1);
  assert.equal(value('tally_records_rejected_total{reason="bad_base64"}'), 1);
  assert.equal(value('tally_http_requests_total{route="track",status="200"}'), 2);
  assert.equal(value('tally_http_requests_total{route="track",status="400"}'), 1);
  // The processor may already have taken some of them off the queue.
  assert.ok(value("tally_queue_depth") >= 0 && value("tally_queue_depth") <= 3);
  assert.equal(value("tally_queue_records_total"), 3);
  assert.ok(value("tally_queue_fsyncs_total") >= 1);
  assert.equal(value("tally_queue_fsync_seconds_count"), value("tally_queue_fsyncs_total"));
  assert.equal(value('tally_queue_fsync_seconds_bucket{le="+Inf"}'), value("tally_queue_fsyncs_total"));
  assert.ok(value("tally_queue_fsync_seconds_sum") > 0);
  assert.match(metrics.text, /^# TYPE tally_queue_fsync_seconds histogram$/m);
});

async function status(port: number, path: string): Promise<[number, string]> {
  const reply = await httpRequest(port, path);
  return [reply.status, reply.text];
}
