import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { MessageChannel } from "node:worker_threads";
import { PortEndpoints, serveEndpoints } from "../../src/api/port-endpoints.js";
import { HttpError, type QueryEndpoint, type QueryReply } from "../../src/api/query-api.js";
import type { Project } from "../../src/projects/project.js";
import { QueryLimitError } from "../../src/query/engine/limits.js";
import { QueryParamError } from "../../src/query/params-error.js";

const PROJECT = { id: 7, name: "P", token: "t", secret: "s", timeZone: "UTC" } as unknown as Project;

function connect(t: import("node:test").TestContext, served: Record<string, QueryEndpoint>) {
  const { port1, port2 } = new MessageChannel();
  serveEndpoints(port1, new Map(Object.entries(served)));
  const calling = new PortEndpoints(port2);
  t.after(() => port1.close());
  const endpoints = calling.endpoints(Object.keys(served));
  const call = (name: string, params = "", signal = new AbortController().signal) =>
    endpoints.get(name)!({ project: PROJECT, params: new URLSearchParams(params), signal });
  return { call, port1 };
}

async function collect(reply: QueryReply, delayMs = 0): Promise<string[]> {
  assert.equal(reply.kind, "stream");
  const chunks: string[] = [];
  await reply.produce({
    write: async (chunk) => {
      chunks.push(chunk);
      if (delayMs > 0) await sleep(delayMs);
    },
  });
  return chunks;
}

test("a JSON reply built in the serving thread comes back as its text, with the project and params", async (t) => {
  const { call } = connect(t, {
    echo: async ({ project, params }) => ({
      kind: "json",
      body: { project: project.id, x: params.get("x") },
    }),
  });
  assert.deepEqual(await call("echo", "x=%C3%A9"), { kind: "json-text", text: '{"project":7,"x":"é"}' });
});

test("each error class crosses the port as itself, so the API answers the same status", async (t) => {
  const { call } = connect(t, {
    param: async () => {
      throw new QueryParamError("from_date", "must be YYYY-MM-DD");
    },
    limit: async () => {
      throw new QueryLimitError("maxSegments", "too many segments");
    },
    http: async () => {
      throw new HttpError(504, "query timed out");
    },
    bug: async () => {
      throw new TypeError("x is undefined");
    },
  });
  await assert.rejects(call("param"), (e) => e instanceof QueryParamError && e.parameter === "from_date");
  await assert.rejects(call("limit"), (e) => e instanceof QueryLimitError && e.bound === "maxSegments");
  await assert.rejects(call("http"), (e) => e instanceof HttpError && e.status === 504);
  await assert.rejects(call("bug"), /query thread: TypeError: x is undefined/);
});

test("a stream's chunks arrive in order, and the producer waits for a slow reader", async (t) => {
  let producedAhead = 0;
  let taken = 0;
  const { call } = connect(t, {
    lines: async () => ({
      kind: "stream",
      contentType: "application/x-ndjson",
      produce: async (sink) => {
        for (let i = 0; i < 100; i++) {
          await sink.write(`${i}\n`);
          producedAhead = Math.max(producedAhead, i + 1 - taken);
        }
      },
    }),
  });
  const reply = await call("lines");
  const chunks: string[] = [];
  assert.equal(reply.kind, "stream");
  await reply.produce({
    write: async (chunk) => {
      chunks.push(chunk);
      await sleep(1);
      taken++;
    },
  });
  assert.deepEqual(
    chunks,
    Array.from({ length: 100 }, (_, i) => `${i}\n`),
  );
  assert.ok(producedAhead <= 17, `the producer ran ${producedAhead} chunks ahead of the reader`);
});

test("a stream that fails part way rejects its produce with the error", async (t) => {
  const { call } = connect(t, {
    broken: async () => ({
      kind: "stream",
      contentType: "application/x-ndjson",
      produce: async (sink) => {
        await sink.write("a\n");
        throw new QueryParamError("where", "bad");
      },
    }),
  });
  await assert.rejects(collect(await call("broken")), QueryParamError);
});

test("aborting a call aborts the endpoint's signal in the serving thread", async (t) => {
  let sawAbort: Promise<unknown> | undefined;
  const { call } = connect(t, {
    slow: ({ signal }) => {
      sawAbort = new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason)));
      return new Promise<QueryReply>(() => {});
    },
  });
  const controller = new AbortController();
  void call("slow", "", controller.signal).catch(() => undefined);
  await sleep(20);
  controller.abort(new HttpError(504, "query timed out"));
  const reason = await sawAbort;
  assert.ok(reason instanceof HttpError);
});

test("calls in flight fail with 503 when the serving side goes away", async (t) => {
  const { call, port1 } = connect(t, { never: () => new Promise<QueryReply>(() => {}) });
  const pending = call("never");
  await sleep(10);
  port1.close();
  await assert.rejects(pending, (e) => e instanceof HttpError && e.status === 503);
});
