import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { EventEnvelope } from "../../src/queue/envelope.js";
import {
  ALPHA,
  base64Json,
  FORM,
  form,
  JSON_TYPE,
  NOW,
  startServer,
  type TestServer,
  trackEvent,
} from "./harness.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => server.sink.clear());

function events(): EventEnvelope[] {
  return server.sink.envelopes().filter((e): e is EventEnvelope => e.kind === "event");
}

function names(): string[] {
  return events().map((e) => e.record.event);
}

/** Base64 of an event whose encoding holds both `+` and `/`, to tell the alphabets apart. */
function awkwardBase64(): string {
  const encoded = base64Json(trackEvent("Awkward", { note: "~~~???>>>" }));
  assert.match(encoded, /\+/);
  assert.match(encoded, /\//);
  return encoded;
}

describe("request encodings", () => {
  test("GET with standard, padded base64 is accepted and the event reaches the queue intact", async () => {
    const reply = await server.send(
      `/track?data=${encodeURIComponent(base64Json(trackEvent("Signup", { plan: "pro" })))}`,
    );
    assert.equal(reply.status, 200);
    assert.equal(reply.text, "1");
    assert.match(String(reply.headers["content-type"]), /^text\/plain/);
    const [envelope] = events();
    assert.equal(envelope.projectId, ALPHA.id);
    assert.equal(envelope.receivedAt, NOW);
    assert.equal(envelope.insertIdGenerated, true);
    assert.deepEqual(
      { ...envelope.record.properties, $insert_id: "x" },
      { token: ALPHA.token, distinct_id: "user-1", plan: "pro", time: NOW / 1000, $insert_id: "x" },
    );
  });

  test("GET with the URL-safe alphabet and no padding is accepted", async () => {
    const urlSafe = awkwardBase64().replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const reply = await server.send(`/track/?data=${urlSafe}`);
    assert.equal(reply.text, "1");
    assert.equal(events()[0].record.properties.note, "~~~???>>>");
  });

  test("GET with JSON instead of base64 in data is accepted", async () => {
    const reply = await server.send(`/track?data=${encodeURIComponent(JSON.stringify(trackEvent("Raw")))}`);
    assert.equal(reply.text, "1");
    assert.deepEqual(names(), ["Raw"]);
  });

  test("a form POST with URL-encoded base64 is accepted", async () => {
    const reply = await server.send("/track", {
      method: "POST",
      headers: FORM,
      body: form({ data: awkwardBase64() }),
    });
    assert.equal(reply.text, "1");
    assert.deepEqual(names(), ["Awkward"]);
  });

  test("a form POST whose base64 is not URL-encoded (the Node SDK's way) still decodes its + signs", async () => {
    const reply = await server.send("/track", {
      method: "POST",
      headers: FORM,
      body: "data=" + awkwardBase64(),
    });
    assert.equal(reply.text, "1");
    assert.equal(events()[0].record.properties.note, "~~~???>>>");
  });

  test("a form POST with raw JSON in data and verbose in the form (mixpanel-python's way) is accepted", async () => {
    const body = form({
      data: JSON.stringify([trackEvent("Py1"), trackEvent("Py2")]),
      verbose: "1",
      ip: "0",
    });
    const reply = await server.send("/track", { method: "POST", headers: FORM, body });
    assert.deepEqual(reply.json(), { status: 1, error: null });
    assert.deepEqual(names(), ["Py1", "Py2"]);
  });

  test("application/json takes one object or an array of them", async () => {
    const one = await server.send("/track", {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify(trackEvent("One")),
    });
    const many = await server.send("/track", {
      method: "POST",
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify([trackEvent("Two"), trackEvent("Three")]),
    });
    assert.equal(one.text, "1");
    assert.equal(many.text, "1");
    assert.deepEqual(names(), ["One", "Two", "Three"]);
  });

  test("gzip bodies are inflated, for JSON and for forms", async () => {
    const json = gzipSync(JSON.stringify([trackEvent("Zipped")]));
    const formBody = gzipSync(form({ data: base64Json(trackEvent("ZippedForm")) }));
    const a = await server.send("/track", {
      method: "POST",
      headers: { ...JSON_TYPE, "Content-Encoding": "gzip" },
      body: json,
    });
    const b = await server.send("/track", {
      method: "POST",
      headers: { ...FORM, "Content-Encoding": "gzip" },
      body: formBody,
    });
    assert.equal(a.text, "1");
    assert.equal(b.text, "1");
    assert.deepEqual(names(), ["Zipped", "ZippedForm"]);
  });

  test("a beacon body sent as text/plain, or with no type, is read as a form or as JSON", async () => {
    const beacon = await server.send("/track", {
      method: "POST",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: form({ data: base64Json(trackEvent("Beacon")) }),
    });
    const untyped = await server.send("/track", {
      method: "POST",
      body: JSON.stringify(trackEvent("Untyped")),
    });
    assert.equal(beacon.text, "1");
    assert.equal(untyped.text, "1");
    assert.deepEqual(names(), ["Beacon", "Untyped"]);
  });

  test("JSON posted with curl's default form type is read as JSON", async () => {
    const reply = await server.send("/track", {
      method: "POST",
      headers: FORM,
      body: ` ${JSON.stringify([trackEvent("Curl")])}`,
    });
    assert.equal(reply.text, "1");
    assert.deepEqual(names(), ["Curl"]);
  });

  test("a POST with an empty body takes data from the query string", async () => {
    const reply = await server.send(
      `/track?data=${encodeURIComponent(base64Json(trackEvent("QueryPost")))}`,
      { method: "POST" },
    );
    assert.equal(reply.text, "1");
    assert.deepEqual(names(), ["QueryPost"]);
  });

  test("/engage and /groups take updates by GET and batches by POST", async () => {
    const set = { $token: ALPHA.token, $distinct_id: "u1", $set: { plan: "pro" } };
    const union = { $token: ALPHA.token, $group_key: "company", $group_id: "acme", $union: { tags: ["x"] } };
    assert.equal((await server.send(`/engage?data=${encodeURIComponent(base64Json(set))}`)).text, "1");
    const batch = form({ data: base64Json([set, { $token: ALPHA.token, $distinct_id: "u2", $delete: "" }]) });
    assert.equal((await server.send("/engage/", { method: "POST", headers: FORM, body: batch })).text, "1");
    assert.equal((await server.send(`/groups?data=${encodeURIComponent(base64Json(union))}`)).text, "1");
    const envelopes = server.sink.envelopes();
    assert.deepEqual(
      envelopes.map((e) => [e.kind, e.kind === "event" ? "" : e.operation]),
      [
        ["engage", "$set"],
        ["engage", "$set"],
        ["engage", "$delete"],
        ["groups", "$union"],
      ],
    );
    assert.deepEqual(envelopes[0].record, set);
  });
});

describe("query parameters", () => {
  const data = () => encodeURIComponent(base64Json(trackEvent("P")));

  test("verbose=1 answers JSON status 1 with a null error", async () => {
    const reply = await server.send(`/track?verbose=1&data=${data()}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["content-type"], "application/json");
    assert.deepEqual(reply.json(), { status: 1, error: null });
  });

  test("img=1 answers a 1×1 transparent GIF", async () => {
    const reply = await server.send(`/track?img=1&data=${data()}`);
    assert.equal(reply.headers["content-type"], "image/gif");
    assert.equal(reply.body.subarray(0, 6).toString(), "GIF89a");
    assert.equal(reply.body.readUInt16LE(6), 1);
    assert.equal(reply.body.readUInt16LE(8), 1);
    assert.equal(events().length, 1);
  });

  test("callback=fn answers JSONP, with the verbose object when asked", async () => {
    const plain = await server.send(`/track?callback=app.on_track&data=${data()}`);
    assert.equal(plain.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(plain.text, "app.on_track(1);");
    const verbose = await server.send(`/track?callback=mixpanel._jsc%5B123%5D&verbose=1&data=${data()}`);
    assert.equal(verbose.text, 'mixpanel._jsc[123]({"status":1,"error":null});');
  });

  test("redirect=url answers 302 to it once the event is accepted", async () => {
    const reply = await server.send(
      `/track?redirect=${encodeURIComponent("https://example.com/landing?x=1")}&data=${data()}`,
    );
    assert.equal(reply.status, 302);
    assert.equal(reply.headers.location, "https://example.com/landing?x=1");
    assert.equal(events().length, 1);
  });

  test("test=1 and _=<ms> are accepted and ignored", async () => {
    const reply = await server.send(`/track?test=1&_=1700000000000&data=${data()}`);
    assert.equal(reply.text, "1");
    assert.deepEqual(Object.keys(events()[0].record.properties).sort(), [
      "$insert_id",
      "distinct_id",
      "time",
      "token",
    ]);
  });

  test("ip=1 records the socket's address, and ignores X-Forwarded-For unless the server trusts a proxy", async () => {
    await server.send(`/track?ip=1&data=${data()}`, { headers: { "X-Forwarded-For": "203.0.113.7" } });
    assert.equal(events()[0].record.properties.ip, "127.0.0.1");
    const proxied = await startServer({ trustProxy: true });
    try {
      await proxied.send(`/track?ip=1&data=${data()}`, {
        headers: { "X-Forwarded-For": "203.0.113.7, 10.0.0.1" },
      });
      const [envelope] = proxied.sink.envelopes();
      assert.ok(envelope.kind === "event");
      assert.equal(envelope.record.properties.ip, "203.0.113.7");
    } finally {
      await proxied.close();
    }
  });

  test("without ip=1 no address is recorded", async () => {
    await server.send(`/track?ip=0&data=${data()}`);
    assert.equal(events()[0].record.properties.ip, undefined);
  });
});

describe("browser support", () => {
  test("replies echo the Origin and allow credentials", async () => {
    const reply = await server.send(`/track?data=${encodeURIComponent(base64Json(trackEvent("C")))}`, {
      headers: { Origin: "https://app.example.com" },
    });
    assert.equal(reply.headers["access-control-allow-origin"], "https://app.example.com");
    assert.equal(reply.headers["access-control-allow-credentials"], "true");
  });

  test("a preflight OPTIONS is answered with the allowed methods and headers, /import's Authorization too", async () => {
    const cases = [
      ["/track/", "content-type, content-encoding"],
      ["/import", "authorization, content-type"],
    ];
    for (const [path, asked] of cases) {
      const reply = await server.send(path, {
        method: "OPTIONS",
        headers: {
          Origin: "https://app.example.com",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": asked,
        },
      });
      assert.equal(reply.status, 204, path);
      assert.equal(reply.headers["access-control-allow-origin"], "https://app.example.com");
      assert.match(String(reply.headers["access-control-allow-methods"]), /POST/);
      assert.equal(reply.headers["access-control-allow-headers"], asked);
    }
    assert.equal(server.sink.batches.length, 0);
  });

  test("an error reply carries the CORS headers too, so the page can read why", async () => {
    const reply = await server.send("/track?data=%21%21not-base64", {
      headers: { Origin: "https://app.example.com" },
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.headers["access-control-allow-origin"], "https://app.example.com");
    assert.equal(reply.headers["access-control-allow-credentials"], "true");
    assert.match((reply.json() as { error: string }).error, /data/);
  });

  test("/decide answers an empty, valid reply, as JSONP too", async () => {
    const reply = await server.send("/decide?verbose=1&version=1&lib=web&token=tok-alpha");
    assert.deepEqual(reply.json(), {
      config: { enable_collect_everything: false },
      notifications: [],
      feature_flags: [],
    });
    const jsonp = await server.send("/decide/?callback=cb");
    assert.match(jsonp.text, /^cb\(\{"config"/);
  });
});

describe("the handler's contract", () => {
  test("paths that are not ingestion paths are left to the rest of the server", async () => {
    for (const path of ["/", "/trackx", "/api/2.0/segmentation", "/track/x"]) {
      const reply = await server.send(path);
      assert.equal(reply.status, 404);
      assert.equal(reply.text, "not ingest");
    }
  });

  test("nothing is answered until the queue says the records are durable", async () => {
    let release = () => {};
    server.sink.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answered = false;
    const pending = server
      .send(`/track?data=${encodeURIComponent(base64Json(trackEvent("Slow")))}`)
      .then((reply) => {
        answered = true;
        return reply;
      });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(answered, false);
    release();
    server.sink.hold = undefined;
    assert.equal((await pending).text, "1");
  });

  test("a failing metrics callback does not change the reply of a durable batch", async () => {
    const broken = await startServer({
      onMetric: () => {
        throw new Error("metrics down");
      },
    });
    try {
      const reply = await broken.send(`/track?data=${encodeURIComponent(base64Json(trackEvent("Counted")))}`);
      assert.equal(reply.text, "1");
      assert.equal(broken.sink.envelopes().length, 1);
      assert.ok(broken.errors.length > 0, "the failure is reported");
    } finally {
      await broken.close();
    }
  });

  test("accepted records and answered requests are counted", async () => {
    server.metrics.length = 0;
    await server.send("/track", {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify([trackEvent("M1"), trackEvent("M2")]),
    });
    assert.deepEqual(server.metrics, [
      { type: "accepted", kind: "event", count: 2 },
      { type: "request", route: "track", status: 200 },
    ]);
  });
});
