import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { EventEnvelope } from "../../src/queue/envelope.js";
import {
  ALPHA,
  BETA,
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

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => server.sink.clear());

const AS_ALPHA = { Authorization: basicAuth(ALPHA.secret) };

function events(): EventEnvelope[] {
  return server.sink.envelopes().filter((e): e is EventEnvelope => e.kind === "event");
}

function post(path: string, body: unknown, headers: SendOptions["headers"] = AS_ALPHA): Promise<Reply> {
  return server.send(path, {
    method: "POST",
    headers: { ...JSON_TYPE, ...headers },
    body: JSON.stringify(body),
  });
}

describe("/import", () => {
  test("a batch authenticated by the API secret is accepted with Mixpanel's reply", async () => {
    const time = NOW / 1000 - 400 * 86400;
    const reply = await post("/import", [
      importEvent("Old", "id-1"),
      importEvent("Older", "id-2", { time: time * 1000 - 5 }),
    ]);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json(), { code: 200, num_records_imported: 2, status: "OK" });
    const [first, second] = events();
    assert.equal(first.projectId, ALPHA.id);
    assert.equal(first.insertIdGenerated, false);
    assert.equal(first.record.properties.$insert_id, "id-1");
    assert.equal(first.record.properties.time, time);
    assert.equal(second.record.properties.time, time - 0.005);
  });

  test("a service account with project_id imports into that project", async () => {
    const reply = await post("/import?project_id=2", importEvent("E", "sa-1"), {
      Authorization: basicAuth("robot", "robot-secret"),
    });
    assert.equal(reply.status, 200);
    assert.equal(events()[0].projectId, BETA.id);
  });

  test("missing or wrong credentials are a 401 JSON, before the body is read", async () => {
    for (const headers of [
      {},
      { Authorization: basicAuth("wrong") },
      { Authorization: basicAuth("robot", "robot-secret") },
      { Authorization: "Bearer x" },
    ]) {
      const reply = await post("/import", importEvent("E", "x"), headers);
      assert.equal(reply.status, 401);
      assert.match(String(reply.headers["www-authenticate"]), /^Basic/);
      const body = reply.json() as { code: number; status: string; error: string };
      assert.equal(body.code, 401);
      assert.equal(body.status, "Unauthorized");
      assert.ok(body.error.length > 0);
    }
    assert.deepEqual(server.sink.batches, []);
  });

  test("a service account asking for a project it cannot reach is a 401, and nothing is kept", async () => {
    const reply = await post("/import?project_id=99", importEvent("E", "sa-2"), {
      Authorization: basicAuth("robot", "robot-secret"),
    });
    assert.equal(reply.status, 401);
    assert.deepEqual(server.sink.batches, []);
  });

  test("a project_id that is not a number is a 400", async () => {
    const reply = await post("/import?project_id=abc", importEvent("E", "x"));
    assert.equal(reply.status, 400);
    assert.match((reply.json() as { error: string }).error, /project_id/);
  });

  test("invalid records are listed with index, $insert_id, field and message while the valid ones are kept", async () => {
    const batch = [
      importEvent("Good", "g-1"),
      importEvent("NoTime", "bad-1", { time: undefined }),
      importEvent("Good", "g-2"),
      importEvent("BadId", "not valid!"),
      { event: "NoInsertId", properties: { time: NOW / 1000 } },
    ];
    const reply = await post("/import?strict=1", batch);
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json(), {
      code: 400,
      num_records_imported: 2,
      status: "Bad Request",
      error: "some data points in the request failed validation",
      failed_records: [
        {
          index: 1,
          $insert_id: "bad-1",
          insert_id: "bad-1",
          field: "properties.time",
          message: "properties.time is required on /import",
        },
        {
          index: 3,
          $insert_id: "not valid!",
          insert_id: "not valid!",
          field: "properties.$insert_id",
          message: "properties.$insert_id must be 1 to 36 letters, digits or '-'",
        },
        {
          index: 4,
          $insert_id: null,
          insert_id: null,
          field: "properties.$insert_id",
          message: "properties.$insert_id is required on /import",
        },
      ],
    });
    assert.deepEqual(
      events().map((e) => e.record.properties.$insert_id),
      ["g-1", "g-2"],
    );
  });

  test("validation is strict by default, and strict=0 drops bad records quietly as Mixpanel's lenient mode does", async () => {
    const batch = [importEvent("Good", "g-1"), importEvent("Bad", "b-1", { time: 1 })];
    assert.equal((await post("/import", batch)).status, 400);
    server.sink.clear();
    const lenient = await post("/import?strict=0", batch);
    assert.deepEqual(lenient.json(), { code: 200, num_records_imported: 1, status: "OK" });
    assert.equal(events().length, 1);
  });

  test("strings are kept whole and events of any age from 1971 on are taken", async () => {
    const long = "q".repeat(5000);
    const reply = await post("/import", [importEvent("Ancient", "a-1", { time: 31536000, text: long })]);
    assert.equal(reply.status, 200);
    assert.equal(events()[0].record.properties.text, long);
  });

  test("a 1 MB string makes its event too large, and only that event is refused", async () => {
    const reply = await post("/import", [
      importEvent("Huge", "h-1", { blob: "y".repeat(1024 * 1024) }),
      importEvent("Small", "s-1"),
    ]);
    assert.equal(reply.status, 400);
    const body = reply.json() as {
      num_records_imported: number;
      failed_records: Array<{ index: number; message: string }>;
    };
    assert.equal(body.num_records_imported, 1);
    assert.equal(body.failed_records[0].index, 0);
    assert.match(body.failed_records[0].message, /at most 1 MB/);
  });

  test("a payload within 10 MB is taken whatever its form body's encoding costs; one over is a 413", async () => {
    // mixpanel-python sends /import as a percent-encoded JSON form: each "/" travels as three bytes.
    const formOf = (path: string) => {
      const batch = Array.from({ length: 1000 }, (_, i) => importEvent("Paths", `p-${i}`, { path }));
      const json = JSON.stringify(batch);
      return { payload: Buffer.byteLength(json), body: `data=${encodeURIComponent(json)}` };
    };
    const send = (body: string) =>
      server.send("/import", { method: "POST", headers: { ...FORM, ...AS_ALPHA }, body });
    const within = formOf("/".repeat(10_000));
    assert.ok(within.payload < 10 * 1024 * 1024 && within.body.length > 2.9 * within.payload);
    const taken = await send(within.body);
    assert.equal(taken.status, 200, taken.text);
    assert.equal(taken.text, "1");
    assert.equal(events().length, 1000);
    // Just over 10 MB of JSON, in letters that travel as they are.
    const over = formOf("x".repeat(10_500));
    assert.ok(over.payload > 10 * 1024 * 1024);
    const refused = await send(over.body);
    assert.equal(refused.status, 413);
    assert.match(
      (refused.json() as { error: string }).error,
      /at most 10 MB \(10485760 bytes\) of uncompressed JSON/,
    );
    assert.equal(events().length, 1000);
  });

  test("application/x-ndjson is accepted, gzipped too, and a broken line is named", async () => {
    const lines =
      [importEvent("L1", "l-1"), importEvent("L2", "l-2")].map((e) => JSON.stringify(e)).join("\n") + "\n\n";
    const headers = { ...AS_ALPHA, "Content-Type": "application/x-ndjson" };
    assert.equal((await server.send("/import", { method: "POST", headers, body: lines })).status, 200);
    const zipped = await server.send("/import", {
      method: "POST",
      headers: { ...headers, "Content-Encoding": "gzip" },
      body: gzipSync(lines),
    });
    assert.deepEqual(zipped.json(), { code: 200, num_records_imported: 2, status: "OK" });
    assert.equal(events().length, 4);
    const broken = await server.send("/import", {
      method: "POST",
      headers,
      body: `${JSON.stringify(importEvent("x", "y"))}\n{oops\n`,
    });
    assert.equal(broken.status, 400);
    assert.match((broken.json() as { error: string }).error, /^line 2 of the body is not valid JSON/);
  });

  test("records in a data= form (the SDKs' /import) get the reply those SDKs parse", async () => {
    const batch = [importEvent("F1", "f-1")];
    const node = await server.send("/import?ip=0&verbose=0", {
      method: "POST",
      headers: { ...FORM, ...AS_ALPHA },
      body: "data=" + Buffer.from(JSON.stringify(batch)).toString("base64"),
    });
    assert.equal(node.status, 200);
    assert.equal(node.text, "1");
    const python = await server.send("/import", {
      method: "POST",
      headers: { ...FORM, ...AS_ALPHA },
      body: form({ data: JSON.stringify([...batch, importEvent("F2", "f 2")]), verbose: "1", ip: "0" }),
    });
    assert.deepEqual(python.json(), {
      status: 1,
      error:
        "record 1: properties.$insert_id: properties.$insert_id must be 1 to 36 letters, digits or '-' (1 of 2 records rejected, 1 accepted)",
    });
    assert.equal(events().length, 2);
  });

  test("strict=1 asks for /import's own JSON reply even for a data= form", async () => {
    const reply = await server.send("/import?strict=1", {
      method: "POST",
      headers: { ...FORM, ...AS_ALPHA },
      body: form({ data: JSON.stringify([importEvent("F1", "f-1")]) }),
    });
    assert.deepEqual(reply.json(), { code: 200, num_records_imported: 1, status: "OK" });
  });

  test("a payload over 10 MB uncompressed is a 413 naming the limit", async () => {
    const batch = [importEvent("Big", "b-1", { blob: "x".repeat(10 * 1024 * 1024) })];
    const reply = await post("/import", batch);
    assert.equal(reply.status, 413);
    const body = reply.json() as { code: number; error: string };
    assert.equal(body.code, 413);
    assert.match(body.error, /at most 10 MB/);
  });

  test("2,001 records are a 413 in /import's own reply form", async () => {
    const batch = Array.from({ length: 2001 }, (_, i) => importEvent("E", `id-${i}`));
    const reply = await post("/import", batch);
    assert.equal(reply.status, 413);
    assert.deepEqual(reply.json(), {
      code: 413,
      error: "too many records: at most 2000 records per request; split the batch",
      status: "Payload Too Large",
    });
  });

  test("$merge joins two ids on /import", async () => {
    const reply = await post("/import", [importEvent("$merge", "m-1", { $distinct_ids: ["anon-1", 42] })]);
    assert.equal(reply.status, 200);
    assert.deepEqual(events()[0].record.properties.$distinct_ids, ["anon-1", "42"]);
  });
});
