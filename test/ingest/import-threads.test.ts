import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { ImportThreads, OFFLOAD_BYTES } from "../../src/ingest/import-threads.js";
import { DEFAULT_LIMITS } from "../../src/ingest/limits.js";
import {
  ALPHA,
  basicAuth,
  FORM,
  form,
  importEvent,
  JSON_TYPE,
  NOW,
  type Reply,
  type SendOptions,
  startServer,
  type TestServer,
} from "./harness.js";

// Large /import bodies cleaned on threads must get exactly the reply and the queue records they get
// on the ingestion thread. Each case goes to two servers, one with threads and one without.

const AS_ALPHA = { Authorization: basicAuth(ALPHA.secret) };

/** A batch over the offload size: `count` events with padding, their own $insert_ids. */
function batch(count: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const pad = "x".repeat(Math.ceil((OFFLOAD_BYTES * 1.5) / count));
  return Array.from({ length: count }, (_, i) =>
    importEvent(`Event ${i % 7}`, `id-${i}`, { pad, n: i, ...extra(i) }),
  );
}

let threads: ImportThreads;
let offloaded: TestServer;
let inline: TestServer;
before(async () => {
  threads = new ImportThreads({ size: 2 });
  offloaded = await startServer({ importThreads: threads });
  inline = await startServer();
});
after(async () => {
  await offloaded.close();
  await inline.close();
  await threads.close();
});

/** Sends the request to both servers: the replies and the records queued must be the same. */
async function both(path: string, options: SendOptions): Promise<Reply> {
  offloaded.sink.clear();
  inline.sink.clear();
  const before = threads.stats().cleaned;
  const [viaThread, here] = await Promise.all([offloaded.send(path, options), inline.send(path, options)]);
  assert.equal(threads.stats().cleaned, before + 1, "the body was cleaned on a thread");
  assert.equal(viaThread.status, here.status);
  assert.equal(viaThread.text, here.text);
  assert.deepEqual(offloaded.sink.envelopes(), inline.sink.envelopes());
  return viaThread;
}

const json = (body: unknown, headers: Record<string, string> = {}): SendOptions => ({
  method: "POST",
  headers: { ...JSON_TYPE, ...AS_ALPHA, ...headers },
  body: JSON.stringify(body),
});

describe("/import bodies cleaned on threads", () => {
  test("a JSON batch: every record queued as on the ingestion thread", async () => {
    const reply = await both("/import", json(batch(2000)));
    assert.deepEqual(reply.json(), { code: 200, num_records_imported: 2000, status: "OK" });
    assert.equal(offloaded.sink.envelopes().length, 2000);
  });

  test("bad records are refused by name, the others kept, with the same reply", async () => {
    const events = batch(500, (i) => (i % 100 === 3 ? { time: "yesterday" } : {}));
    const reply = await both("/import?strict=0", json(events));
    assert.equal(reply.status, 200);
    assert.equal(offloaded.sink.envelopes().length, 495);
    const strict = await both("/import", json(events));
    assert.equal(strict.status, 400);
    assert.equal((strict.json() as { failed_records: unknown[] }).failed_records.length, 5);
  });

  test("a gzip NDJSON body, and a form body whose fields carry data, strict and ip", async () => {
    const ndjson = batch(300)
      .map((event) => JSON.stringify(event))
      .join("\n");
    await both("/import", {
      method: "POST",
      headers: { "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip", ...AS_ALPHA },
      body: gzipSync(ndjson),
    });
    const data = Buffer.from(JSON.stringify(batch(300))).toString("base64");
    const reply = await both("/import", {
      method: "POST",
      headers: { ...FORM, ...AS_ALPHA },
      body: form({ data, strict: "1", ip: "1" }),
    });
    assert.equal(reply.status, 200);
    const [first] = offloaded.sink.envelopes();
    assert.ok("ip" in (first.record as { properties: object }).properties, "ip=1 from the form applied");
  });

  test("a body refused as a whole gets the same error: broken JSON, too many records", async () => {
    const text = JSON.stringify(batch(400));
    const broken = await both("/import", { ...json([]), body: `${text.slice(0, -2)}` });
    assert.equal(broken.status, 400);
    assert.match(broken.text, /not valid JSON/);
    const tooMany = await both("/import", json(batch(2001)));
    assert.equal(tooMany.status, 413);
  });
});

test("a cleaning thread that dies costs its request a 500, not the server; the next gets a new thread", async (t) => {
  const dying = new ImportThreads({
    size: 1,
    entry: new URL("./fixtures/dying-import-worker.mjs", import.meta.url),
  });
  const server = await startServer({ importThreads: dying });
  t.after(async () => {
    await server.close();
    await dying.close();
  });
  for (let attempt = 1; attempt <= 2; attempt++) {
    const reply = await server.send("/import", json(batch(300)));
    assert.equal(reply.status, 500);
    assert.match(reply.text, /internal error/);
    assert.equal(server.sink.envelopes().length, 0, "nothing was accepted");
    assert.equal(dying.stats().starts, attempt);
  }
  assert.match(String(server.errors[0]), /cleaning thread stopped \(exit code 3\)/);
});

test("small bodies and /track stay on the ingestion thread", async () => {
  const before = threads.stats().cleaned;
  await offloaded.send("/import", json([importEvent("Small", "id-small")]));
  assert.equal(threads.stats().cleaned, before);
});

test("a task that cannot be sent to a thread fails alone, and the thread takes the next", async () => {
  const body = Buffer.from(JSON.stringify(batch(10)));
  const task = {
    contentType: "application/json",
    query: "",
    nowMs: NOW,
    clientAddress: undefined,
    limits: DEFAULT_LIMITS,
  };
  const unsendable = { ...ALPHA, describe: () => "a function does not clone" };
  await assert.rejects(threads.clean(body, { ...task, project: unsendable }), {
    name: "DataCloneError",
  });
  const cleaned = await threads.clean(body, { ...task, project: ALPHA });
  assert.equal(cleaned.batch.payloads.length, 10);
});
