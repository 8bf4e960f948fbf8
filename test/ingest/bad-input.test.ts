import assert from "node:assert/strict";
import { type ClientRequest, type IncomingMessage, request } from "node:http";
import { connect } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import type { EventEnvelope } from "../../src/queue/envelope.js";
import {
  ALPHA,
  base64Json,
  basicAuth,
  FORM,
  importEvent,
  JSON_TYPE,
  queueError,
  type Reply,
  startServer,
  type TestServer,
  trackEvent,
} from "./harness.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => {
  server.sink.clear();
  server.sink.failWith = undefined;
  server.metrics.length = 0;
});

function events(): EventEnvelope[] {
  return server.sink.envelopes().filter((e): e is EventEnvelope => e.kind === "event");
}

function postJson(path: string, value: unknown): Promise<Reply> {
  return server.send(path, { method: "POST", headers: JSON_TYPE, body: JSON.stringify(value) });
}

function assertError(reply: Reply, status: number, message: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.headers["content-type"], "application/json");
  const body = reply.json() as { status: number; error: string };
  assert.equal(body.status, 0);
  assert.match(body.error, message);
}

describe("requests that cannot be decoded", () => {
  test("malformed base64 is a 400 that says so, not garbage JSON", async () => {
    for (const data of ["eyJldmVudCI6!!!", "abcde", "ab=c", "%%%"]) {
      assertError(await server.send(`/track?data=${encodeURIComponent(data)}`), 400, /base64/);
    }
    assert.deepEqual(server.sink.batches, []);
  });

  test("broken JSON is a 400 that names where parsing stopped", async () => {
    const reply = await server.send(`/track?data=${Buffer.from('{"event": "x",').toString("base64")}`);
    assertError(reply, 400, /not valid JSON/);
    assertError(
      await server.send("/track", { method: "POST", headers: JSON_TYPE, body: "[{]" }),
      400,
      /the body is not valid JSON/,
    );
  });

  test("a missing data parameter, a bare value and an empty list are 400s", async () => {
    assertError(await server.send("/track"), 400, /data parameter is missing/);
    assertError(await server.send(`/track?data=${base64Json(5)}`), 400, /JSON object or an array/);
    assertError(await server.send(`/track?data=${base64Json([])}`), 400, /empty list/);
  });

  test("a wrong content type or encoding is a 415 naming what is accepted", async () => {
    const xml = await server.send("/track", {
      method: "POST",
      headers: { "Content-Type": "application/xml" },
      body: "<e/>",
    });
    assertError(xml, 415, /application\/xml is not accepted.*x-www-form-urlencoded.*application\/json/);
    const ndjson = await server.send("/track", {
      method: "POST",
      headers: { "Content-Type": "application/x-ndjson" },
      body: JSON.stringify(trackEvent("e")),
    });
    assertError(ndjson, 415, /\/import only/);
    const zstd = await server.send("/track", {
      method: "POST",
      headers: { ...JSON_TYPE, "Content-Encoding": "zstd" },
      body: "{}",
    });
    assertError(zstd, 415, /Content-Encoding zstd/);
  });

  test("a body that is not gzip although it says so is a 400", async () => {
    const reply = await server.send("/track", {
      method: "POST",
      headers: { ...JSON_TYPE, "Content-Encoding": "gzip" },
      body: "{}",
    });
    assertError(reply, 400, /not valid gzip/);
  });

  test("a method other than GET, POST and OPTIONS is a 405", async () => {
    const reply = await server.send("/track", { method: "PUT", body: "{}" });
    assertError(reply, 405, /PUT is not allowed/);
    assert.match(String(reply.headers.allow), /GET, POST/);
  });
});

describe("limits", () => {
  test("2,001 records are refused with 413 naming the limit, and none is kept", async () => {
    const batch = Array.from({ length: 2001 }, (_, i) => trackEvent(`e${i}`));
    assertError(await postJson("/track", batch), 413, /at most 2000 records/);
    assert.deepEqual(server.sink.batches, []);
  });

  test("/engage and /groups refuse 2,001 updates with 413 too", async () => {
    const people = Array.from({ length: 2001 }, (_, i) => ({
      $token: ALPHA.token,
      $distinct_id: `u${i}`,
      $set: { a: 1 },
    }));
    assertError(await postJson("/engage", people), 413, /at most 2000 records/);
    const groups = people.map((p, i) => ({
      $token: p.$token,
      $group_key: "company",
      $group_id: `c${i}`,
      $set: { a: 1 },
    }));
    assertError(await postJson("/groups", groups), 413, /at most 2000 records/);
    assert.deepEqual(server.sink.batches, []);
  });

  test("2,000 records are accepted", async () => {
    const batch = Array.from({ length: 2000 }, (_, i) => trackEvent(`e${i}`));
    assert.equal((await postJson("/track", batch)).text, "1");
    assert.equal(events().length, 2000);
  });

  test("a body declared over the limit is refused before it is read", async () => {
    const small = await startServer({ limits: { maxBodyBytes: 1000 } });
    try {
      const reply = await partialBody(small.port, { "Content-Length": String(50 * 1024 * 1024) }, "data=");
      assert.equal(reply.status, 413);
      assert.match(reply.text, /over 1000 bytes/);
      assert.equal(reply.headers.connection, "close");
    } finally {
      await small.close();
    }
  });

  test("a chunked body is cut off as soon as it passes the limit", async () => {
    const small = await startServer({ limits: { maxBodyBytes: 64 * 1024 } });
    try {
      const reply = await streamUntilAnswered(small.port, Buffer.alloc(16 * 1024, "a"));
      assert.equal(reply.status, 413);
      assert.ok(reply.bytesSent < 1024 * 1024, `stopped after ${reply.bytesSent} bytes`);
    } finally {
      await small.close();
    }
  });

  // Without the budget the second body would stream on unrefused: the timeout makes that a failure.
  test("bodies still arriving past the server's budget get 503 and Retry-After until the others are in", {
    timeout: 15_000,
  }, async () => {
    const small = await startServer({ limits: { maxArrivingBodyBytes: 64 * 1024, maxBodyBytes: 64 * 1024 } });
    try {
      const padded = (name: string) =>
        `data=${encodeURIComponent(base64Json(trackEvent(name, { pad: "p".repeat(40_000) })))}`;
      // A slow client: 48 KiB of its chunked body sent, the rest to come.
      const slow = chunkedPost(small.port);
      const slowBody = padded("Slow");
      slow.write(slowBody.slice(0, 48 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refused = await streamUntilAnswered(small.port, Buffer.alloc(16 * 1024, "a"));
      assert.equal(refused.status, 503);
      assert.equal(refused.headers["retry-after"], "1");
      assert.match(refused.text, /receiving 65536 bytes of other request bodies: retry later/);
      slow.end(slowBody.slice(48 * 1024));
      assert.equal((await slow.reply).text, "1");
      // Its bytes are back in the budget: a body as large as it is taken.
      const next = chunkedPost(small.port);
      next.end(padded("Next"));
      assert.equal((await next.reply).text, "1");
      assert.deepEqual(
        small.sink.envelopes().map((e) => e.kind === "event" && e.record.event),
        ["Slow", "Next"],
      );
    } finally {
      await small.close();
    }
  });

  test("the HTTP lane counts a body still arriving in the same budget", { timeout: 15_000 }, async () => {
    const small = await startServer({ limits: { maxArrivingBodyBytes: 64 * 1024, maxBodyBytes: 64 * 1024 } });
    try {
      const body = (name: string) =>
        `data=${encodeURIComponent(base64Json(trackEvent(name, { pad: "p".repeat(40_000) })))}`;
      const head = (length: number) =>
        `POST /track HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`;
      const slowBody = body("Slow");
      const slow = rawExchange(small.port, head(slowBody.length) + slowBody.slice(0, 48 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const otherBody = body("Other");
      const other = rawExchange(small.port, head(otherBody.length) + otherBody.slice(0, 24 * 1024));
      assert.match(await other.reply, /^HTTP\/1\.1 503 [\s\S]*retry later/);
      slow.write(slowBody.slice(48 * 1024));
      assert.match(await slow.reply, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\n1$/);
      assert.deepEqual(
        small.sink.envelopes().map((e) => e.kind === "event" && e.record.event),
        ["Slow"],
      );
    } finally {
      await small.close();
    }
  });

  test("a gzip bomb is stopped at the limit, not inflated", async () => {
    const small = await startServer({ limits: { maxBodyBytes: 1024 * 1024 } });
    try {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
      assert.ok(bomb.length < 100 * 1024);
      const started = performance.now();
      const reply = await small.send("/track", {
        method: "POST",
        headers: { ...JSON_TYPE, "Content-Encoding": "gzip" },
        body: bomb,
      });
      assertError(reply, 413, /inflates to more than 1 MB/);
      assert.ok(performance.now() - started < 2000);
    } finally {
      await small.close();
    }
  });

  test("a decoded payload over the limit is a 413 even when the body fits", async () => {
    const small = await startServer({ limits: { maxPayloadBytes: 2000 } });
    try {
      const reply = await small.send(`/track?data=${base64Json(trackEvent("big", { s: "x".repeat(3000) }))}`);
      assertError(reply, 413, /at most 2000 bytes of uncompressed JSON/);
    } finally {
      await small.close();
    }
  });

  test("a 1 MB string is cut to 255 characters on /track", async () => {
    const reply = await postJson("/track", trackEvent("Huge", { blob: "y".repeat(1024 * 1024) }));
    assert.equal(reply.text, "1");
    assert.equal((events()[0].record.properties.blob as string).length, 255);
  });

  test("an event of just under 1 MB is taken: the limit is the event's, not Tally's envelope's", async () => {
    const bare = JSON.stringify(importEvent("Big", "big-1", { big: "" }));
    const event = importEvent("Big", "big-1", { big: "x".repeat(1024 * 1024 - 1 - Buffer.byteLength(bare)) });
    assert.equal(Buffer.byteLength(JSON.stringify(event)), 1024 * 1024 - 1);
    const reply = await server.send("/import?strict=1", {
      method: "POST",
      headers: { ...JSON_TYPE, Authorization: basicAuth(ALPHA.secret) },
      body: JSON.stringify([event]),
    });
    assert.equal(reply.status, 200, reply.text.slice(0, 200));
    assert.deepEqual(
      events().map((e) => e.record.event),
      ["Big"],
    );
  });

  test("an event over 1 MB after cleaning is rejected as a record", async () => {
    const list = Array(255).fill("z".repeat(255));
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`list${i}`, list]));
    const reply = await server.send("/track?verbose=1", {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify([trackEvent("TooBig", wide), trackEvent("Fine")]),
    });
    assert.match((reply.json() as { error: string }).error, /record 0: record is \d+ bytes: at most 1 MB/);
    assert.deepEqual(
      events().map((e) => e.record.event),
      ["Fine"],
    );
  });
});

describe("bad records beside good ones", () => {
  test("an unknown token rejects that record only; the others are accepted (1) and verbose names it", async () => {
    const batch = [trackEvent("Good1"), trackEvent("Bad", { token: "nope" }), trackEvent("Good2")];
    const plain = await postJson("/track", batch);
    assert.equal(plain.status, 200);
    assert.equal(plain.text, "1");
    assert.deepEqual(
      events().map((e) => e.record.event),
      ["Good1", "Good2"],
    );
    server.sink.clear();
    const verbose = await postJson("/track?verbose=1", batch);
    assert.deepEqual(verbose.json(), {
      status: 1,
      error: "record 1: properties.token: no project has this token (1 of 3 records rejected, 2 accepted)",
    });
    assert.deepEqual(server.metrics.slice(0, 2), [
      { type: "rejected", reason: "unknown_token", count: 1 },
      { type: "accepted", kind: "event", count: 2 },
    ]);
  });

  test("a batch with no good record is answered 0", async () => {
    const batch = [trackEvent("Bad1", { token: "nope" }), trackEvent("Bad2", { token: "nope" })];
    assert.equal((await postJson("/track", batch)).text, "0");
    assert.deepEqual((await postJson("/track?verbose=1", batch)).json(), {
      status: 0,
      error: "record 0: properties.token: no project has this token (2 of 2 records rejected, 0 accepted)",
    });
    assert.deepEqual(server.sink.batches, []);
  });

  test("a single bad record is answered 0 with its field and rule", async () => {
    const reply = await server.send(
      `/track?verbose=1&data=${base64Json(trackEvent("e", { $insert_id: "not valid!" }))}`,
    );
    assert.deepEqual(reply.json(), {
      status: 0,
      error: "properties.$insert_id: properties.$insert_id must be 1 to 36 letters, digits or '-'",
    });
    assert.deepEqual(server.sink.batches, []);
  });

  test("nesting over 3 levels rejects the record and names the path", async () => {
    const deep = trackEvent("Deep", { a: { b: { c: { d: { e: 1 } } } } });
    const reply = await postJson("/track?verbose=1", [
      deep,
      trackEvent("Shallow", { a: { b: { c: { d: 1 } } } }),
    ]);
    assert.match(
      (reply.json() as { error: string }).error,
      /^record 0: properties\.a\.b\.c\.d: objects and lists nest more than 3/,
    );
    assert.deepEqual(
      events().map((e) => e.record.event),
      ["Shallow"],
    );
  });

  test("__proto__, constructor and prototype keys arrive as data and Object.prototype stays clean", async () => {
    const body = `[{"event":"Proto","properties":{"token":"${ALPHA.token}","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"nested":{"__proto__":{"polluted":"yes"}}}}]`;
    assert.equal((await server.send("/track", { method: "POST", headers: JSON_TYPE, body })).text, "1");
    const update = `{"$token":"${ALPHA.token}","$distinct_id":"u","$set":{"__proto__":{"polluted":"yes"},"constructor":1}}`;
    assert.equal((await server.send(`/engage?data=${Buffer.from(update).toString("base64")}`)).text, "1");
    const [event, profile] = server.sink.envelopes();
    assert.ok(event.kind === "event");
    const properties = event.record.properties;
    assert.ok(Object.hasOwn(properties, "__proto__"));
    assert.deepEqual(Object.getOwnPropertyDescriptor(properties, "__proto__")?.value, { polluted: "yes" });
    assert.deepEqual(properties.constructor, { prototype: { polluted: "yes" } });
    assert.equal(Object.getPrototypeOf(properties), Object.prototype);
    assert.ok(Object.hasOwn(properties.nested as object, "__proto__"));
    assert.ok(profile.kind === "engage");
    assert.ok(Object.hasOwn(profile.record.$set as object, "__proto__"));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(
      Object.getOwnPropertyNames(Object.prototype).filter((k) => k === "polluted"),
      [],
    );
  });

  test("an invalid JSONP callback is a 400 and nothing is kept", async () => {
    for (const callback of ["alert(1)", "a;b", "1abc", "a..b", "<script>", "a.b[x]"]) {
      const reply = await server.send(
        `/track?callback=${encodeURIComponent(callback)}&data=${base64Json(trackEvent("J"))}`,
      );
      assertError(reply, 400, /callback must be a plain JavaScript identifier path/);
    }
    assert.deepEqual(server.sink.batches, []);
  });

  test("a redirect that is not http or https is a 400", async () => {
    for (const target of ["javascript:alert(1)", "/relative", "ftp://example.com/", "data:text/html,hi"]) {
      const reply = await server.send(
        `/track?redirect=${encodeURIComponent(target)}&data=${base64Json(trackEvent("R"))}`,
      );
      assertError(reply, 400, /redirect must be an absolute http or https URL/);
    }
  });

  test("one bad request does not disturb the next on the same server", async () => {
    await server.send("/track?data=!!!");
    assert.equal((await server.send(`/track?data=${base64Json(trackEvent("After"))}`)).text, "1");
  });
});

describe("the queue refusing", () => {
  test("a full queue is a 503 with a clear error, and nothing is claimed accepted", async () => {
    server.sink.failWith = queueError("queue_full", "disk bound of 10 GB reached");
    const reply = await postJson("/track", [trackEvent("A"), trackEvent("B")]);
    assertError(reply, 503, /queue is full.*retry later/);
    assert.equal(reply.headers["retry-after"], "1");
    assert.deepEqual(server.metrics, [
      { type: "rejected", reason: "queue_full", count: 2 },
      { type: "request", route: "track", status: 503 },
    ]);
  });

  test("a sink that throws instead of rejecting is refused the same way", async () => {
    const sink = server.sink;
    sink.append = () => {
      throw queueError("queue_full", "disk bound of 10 GB reached");
    };
    try {
      const reply = await postJson("/track", [trackEvent("A"), trackEvent("B")]);
      assertError(reply, 503, /queue is full.*retry later/);
      assert.deepEqual(server.metrics, [
        { type: "rejected", reason: "queue_full", count: 2 },
        { type: "request", route: "track", status: 503 },
      ]);
    } finally {
      // The instance's own property goes; the class's method is back.
      delete (sink as { append?: unknown }).append;
    }
  });

  test("a closed or failing queue is a 503, anything else a 500, and both are reported", async () => {
    server.sink.failWith = queueError("queue_io", "EIO");
    assertError(await postJson("/track", trackEvent("A")), 503, /cannot take records now/);
    server.sink.failWith = new Error("bug");
    assertError(await postJson("/track", trackEvent("A")), 500, /could not be stored/);
    assert.ok(server.errors.length >= 2);
  });

  test("a client that leaves mid-body does not upset the server", async () => {
    await new Promise<void>((resolve) => {
      const req = request({
        host: "127.0.0.1",
        port: server.port,
        path: "/track",
        method: "POST",
        headers: { ...FORM, "Content-Length": "1000" },
      });
      req.on("error", () => resolve());
      req.write("data=abc", () => {
        req.destroy();
        resolve();
      });
    });
    assert.equal((await server.send(`/track?data=${base64Json(trackEvent("Still"))}`)).text, "1");
  });
});

interface PartialReply {
  readonly status: number;
  readonly text: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly bytesSent: number;
}

/** Sends the headers and the start of a body, then waits for the answer without finishing it. */
function partialBody(port: number, headers: Record<string, string>, start: string): Promise<PartialReply> {
  return new Promise((resolve, reject) => {
    const req = formPost(port, headers);
    req.on("response", (res) => readReply(req, res, start.length).then(resolve));
    req.on("error", reject);
    req.write(start);
  });
}

/** A form POST to /track on a connection of its own; the caller writes the body. */
function formPost(port: number, headers: Record<string, string> = {}): ClientRequest {
  return request({
    host: "127.0.0.1",
    port,
    path: "/track",
    method: "POST",
    headers: { ...FORM, ...headers },
    agent: false,
  });
}

/** The reply read to its end; the connection is dropped then. */
function readReply(req: ClientRequest, res: IncomingMessage, bytesSent: number): Promise<PartialReply> {
  return new Promise((resolve) => {
    let text = "";
    res.on("data", (part) => {
      text += part;
    });
    res.on("end", () => {
      req.destroy();
      resolve({ status: res.statusCode ?? 0, text, headers: res.headers, bytesSent });
    });
  });
}

/** Raw bytes on a connection of their own; the reply is what was read when the first reply ended. */
function rawExchange(
  port: number,
  start: string,
): { write(text: string): void; readonly reply: Promise<string> } {
  const socket = connect(port, "127.0.0.1");
  socket.setEncoding("latin1");
  socket.write(start);
  const reply = new Promise<string>((resolve) => {
    let text = "";
    // A reply that never comes fails the test's assertion after 5 s instead of hanging the run.
    const timer = setTimeout(() => done(), 5000);
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    socket.on("data", (part: string) => {
      text += part;
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text);
      const end = text.indexOf("\r\n\r\n");
      if (length !== null && end !== -1 && text.length >= end + 4 + Number(length[1])) done();
    });
    socket.on("error", done);
    socket.on("close", done);
  });
  return { write: (text) => socket.write(text), reply };
}

/** A form POST with a chunked body, written by the caller. */
function chunkedPost(port: number): {
  write(text: string): void;
  end(text: string): void;
  readonly reply: Promise<PartialReply>;
} {
  const req = formPost(port);
  let sent = 0;
  const reply = new Promise<PartialReply>((resolve, reject) => {
    req.on("response", (res) => readReply(req, res, sent).then(resolve));
    req.on("error", reject);
  });
  return {
    write: (text) => {
      sent += text.length;
      req.write(text);
    },
    end: (text) => {
      sent += text.length;
      req.end(text);
    },
    reply,
  };
}

/** Streams chunks (chunked encoding) until the server answers. */
function streamUntilAnswered(port: number, chunk: Buffer): Promise<PartialReply> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = formPost(port);
    req.on("response", (res) => {
      answered = true;
      readReply(req, res, sent).then(resolve);
    });
    req.on("error", (error) => (answered ? undefined : reject(error)));
    const pump = (): void => {
      if (answered) return;
      // A server that never answers gets the end of the body, and the test its reply, not a hang.
      if (sent > 8 * 1024 * 1024) return void req.end();
      sent += chunk.length;
      req.write(chunk, () => setImmediate(pump));
    };
    pump();
  });
}

test("a bodiless GET refused through node:http keeps its connection, as through the lane", async () => {
  const own = await startServer();
  try {
    // A byte past ASCII in a header leaves the request to node:http.
    for (const extra of ["", "X-Name: caf\xe9\r\n"]) {
      const socket = connect(own.port, "127.0.0.1");
      socket.setEncoding("latin1");
      let received = "";
      socket.on("data", (chunk: string) => {
        received += chunk;
      });
      socket.write(`GET /track?data=%21%21%21 HTTP/1.1\r\nHost: t\r\n${extra}\r\n`, "latin1");
      for (let i = 0; i < 200 && !received.includes("\r\n\r\n"); i++) await sleep(5);
      assert.match(received, /^HTTP\/1\.1 400 /, JSON.stringify(extra));
      assert.doesNotMatch(received, /\r\nConnection: close\r\n/i, JSON.stringify(extra));
      socket.destroy();
    }
  } finally {
    await own.close();
  }
});
