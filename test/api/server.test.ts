import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { test } from "node:test";
import { TallyMetrics } from "../../src/api/metrics.js";
import {
  clientErrorReply,
  createTallyServer,
  SERVER_LIMITS,
  type ServerParts,
} from "../../src/api/server.js";
import { BodyBudget } from "../../src/ingest/body-budget.js";

/** The whole server with an ingestion handler that takes nothing: only node:http's refusals speak. */
async function startServer(
  t: import("node:test").TestContext,
  configure: (server: Server) => void = () => {},
  parts: Partial<ServerParts> = {},
): Promise<number> {
  const server = createTallyServer({
    metrics: new TallyMetrics({ defaultMetrics: false }),
    ingest: Object.assign(() => false, { arriving: new BodyBudget(0) }),
    ready: () => true,
    ...parts,
  });
  configure(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** Writes `bytes` on a fresh connection and returns everything received until the server closes it. */
async function rawExchange(port: number, bytes: string): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  socket.setEncoding("latin1");
  let received = "";
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  // The server may close before it has read all of an oversized head.
  socket.on("error", () => {});
  socket.write(bytes);
  await once(socket, "close");
  return received;
}

/** Writes `head` on a fresh connection and reads the one reply until the server closes it. */
async function rawReply(
  port: number,
  head: string,
): Promise<{ status: number; headers: string; body: string }> {
  const [headers, body] = (await rawExchange(port, head)).split("\r\n\r\n", 2);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers, body };
}

/** A query listener that answers /slow after `ms`, as a reply waiting for its records would. */
const slowAfter = (ms: number): Partial<ServerParts> => ({
  query: (req, res) => {
    if (req.url !== "/slow") return false;
    setTimeout(() => res.writeHead(200, { "Content-Length": 4 }).end("slow"), ms);
    return true;
  },
});

test("a GET whose URL is over the head limit gets 431 and a JSON error that names the limit", async (t) => {
  const port = await startServer(t);
  const url = `/track?data=${"a".repeat(SERVER_LIMITS.maxHeaderBytes + 1024)}`;
  const reply = await rawReply(port, `GET ${url} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.equal(reply.status, 431);
  assert.match(reply.headers, /\r\nAccess-Control-Allow-Origin: \*/);
  const { status, error } = JSON.parse(reply.body) as { status: number; error: string };
  assert.equal(status, 0);
  assert.match(
    error,
    new RegExp(`over ${SERVER_LIMITS.maxHeaderBytes} bytes: send large batches in a POST body`),
  );
});

test("bytes that are not HTTP get 400 and a JSON error, and the connection is closed", async (t) => {
  const port = await startServer(t);
  const reply = await rawReply(port, "HELLO THERE\r\n\r\n");
  assert.equal(reply.status, 400);
  assert.match(reply.headers, /\r\nConnection: close/);
  assert.match((JSON.parse(reply.body) as { error: string }).error, /not valid HTTP\/1\.1/);
});

test("an ingestion request whose head never completes gets the same JSON 408 from the lane", async (t) => {
  const port = await startServer(t, (server) => {
    server.headersTimeout = 300;
  });
  const reply = await rawReply(port, "GET /track?data=x HTTP/1.1\r\nHost: t\r\n");
  assert.equal(reply.status, 408);
  assert.match((JSON.parse(reply.body) as { error: string }).error, /did not arrive in time/);
});

test("a request that does not arrive in time is told so with 408 and the two timeouts", () => {
  const [head, body] = clientErrorReply("ERR_HTTP_REQUEST_TIMEOUT").split("\r\n\r\n");
  assert.match(head, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(head, new RegExp(`\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`));
  assert.match((JSON.parse(body) as { error: string }).error, /headers within 10 s, all of it within 30 s/);
});

test("a handler that throws costs its request a 500, on either transport, and the server goes on", async (t) => {
  const thrown: unknown[] = [];
  const bug = (where: string) => {
    throw new Error(`a bug in ${where}`);
  };
  const port = await startServer(t, undefined, {
    // /track is the HTTP lane's; /boom goes to node:http's listener.
    ingest: Object.assign((req: { url: string }) => req.url.startsWith("/track") && bug("ingest"), {
      arriving: new BodyBudget(0),
    }),
    query: (req) => req.url === "/boom" && bug("query"),
    onError: (error) => thrown.push(error),
  });
  for (const path of ["/boom", "/track?data=e30"]) {
    const reply = await fetch(`http://127.0.0.1:${port}${path}`);
    assert.equal(reply.status, 500, path);
    assert.match(((await reply.json()) as { error: string }).error, /internal error/);
  }
  assert.deepEqual(
    thrown.map((e) => (e as Error).message),
    ["a bug in query", "a bug in ingest"],
  );
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
});

test("a malformed request after one still being answered gets its 400 after that reply, not before it", async (t) => {
  const port = await startServer(t, undefined, slowAfter(150));
  const reply = await rawExchange(
    port,
    "GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n",
  );
  const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [200, 400]);
  assert.match(reply, /\r\n\r\nslowHTTP\/1\.1 400/);
});

test("after a pending reply that closed its connection, the malformed request behind it is not written to", async (t) => {
  const socketErrors: string[] = [];
  const port = await startServer(
    t,
    (server) =>
      server.on("connection", (socket) =>
        socket.on("error", (e: NodeJS.ErrnoException) => socketErrors.push(String(e.code))),
      ),
    slowAfter(100),
  );
  const reply = await rawExchange(
    port,
    "GET /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n",
  );
  assert.match(reply, /^HTTP\/1\.1 200 /);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(socketErrors, []);
});
