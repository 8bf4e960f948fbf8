// The server's own HTTP/1.1 lane: what it answers itself, in what order, and that everything else
// reaches node:http on the same connection, bytes intact, answered exactly as node:http answers it.

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { FastLaneServer, type LaneExchange } from "../../src/api/http1/fast-lane.js";
import { seededRandom } from "../seeded-random.js";

/** What either side saw of a request, as one line: the replies must match word for word. */
function describeRequest(
  method: string,
  url: string,
  headers: Record<string, unknown>,
  body: Buffer,
): string {
  const names = Object.keys(headers).sort();
  return `${method} ${url} ${JSON.stringify(names.map((name) => [name, headers[name]]))} ${body.toString("base64")}`;
}

function nodeListener(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const text = `node ${describeRequest(req.method ?? "", req.url ?? "", req.headers, Buffer.concat(chunks))}`;
    res.writeHead(200, { "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  });
}

interface Lane {
  readonly server: FastLaneServer;
  readonly port: number;
  /** Replies held back by tests, by URL. */
  readonly held: Map<string, () => void>;
}

/** The lane takes paths under /lane; each reply says which side answered and what it saw. */
async function startLane(options: { maxBodyBytes?: number } = {}): Promise<Lane> {
  const held = new Map<string, () => void>();
  const answer = (exchange: LaneExchange): void => {
    void exchange.body(Number.MAX_SAFE_INTEGER).then((body) => {
      // /lane/big: a reply larger than the sockets' buffers, for a client that reads it slowly.
      const text = exchange.url.includes("big")
        ? "x".repeat(16 << 20)
        : `lane ${describeRequest(exchange.method, exchange.url, exchange.headers, body)}`;
      const reply = () => exchange.send(200, { "Content-Length": Buffer.byteLength(text) }, text);
      if (exchange.url.includes("hold")) held.set(exchange.url, reply);
      else reply();
    });
  };
  const server = new FastLaneServer(
    { maxHeaderSize: 8192 },
    { claims: (_method, url) => url.startsWith("/lane"), answer, maxBodyBytes: options.maxBodyBytes ?? 1024 },
    nodeListener,
  );
  return { server, port: await listen(server), held };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A raw connection that collects everything the server sends, and knows when it closed. */
class Wire {
  readonly socket: Socket;
  received = "";
  closed = false;
  readonly ready: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.setEncoding("latin1");
    this.socket.on("data", (text: string) => {
      this.received += text;
    });
    this.socket.on("error", () => {});
    this.socket.on("close", () => {
      this.closed = true;
    });
    this.ready = new Promise((resolve) => this.socket.once("connect", () => resolve()));
  }

  async send(...pieces: string[]): Promise<void> {
    await this.ready;
    for (const [i, piece] of pieces.entries()) {
      if (i > 0) await sleep(15);
      this.socket.write(piece, "latin1");
    }
  }

  /** Waits until `count` whole replies arrived (or the connection closed), and returns their bodies. */
  async replies(count: number, timeoutMs = 3000): Promise<Reply[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseReplies(this.received);
      if (parsed.length >= count || this.closed || Date.now() > until) return parsed;
      await sleep(5);
    }
  }

  async waitClosed(timeoutMs = 4000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < until) await sleep(10);
    return this.closed;
  }
}

interface Reply {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

function parseReplies(text: string): Reply[] {
  const replies: Reply[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) return replies;
    const head = text.slice(at, end);
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (text.length < end + 4 + length) return replies;
    replies.push({ status: Number(head.slice(9, 12)), head, body: text.slice(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
}

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;
const post = (path: string, body: string, extra = "") =>
  `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe("the HTTP/1.1 lane", () => {
  let lane: Lane;
  before(async () => {
    lane = await startLane();
  });
  after(() => close(lane.server));

  test("takes a plain GET and POST itself, with the headers and body node:http would give", async () => {
    const wire = new Wire(lane.port);
    await wire.send(get("/lane/a?x=1", "X-Thing:  spaced value \t\r\n"), post("/lane/b", "data=abc"));
    const [a, b] = await wire.replies(2);
    assert.equal(a.body, `lane GET /lane/a?x=1 [["host","t"],["x-thing","spaced value"]] `);
    assert.equal(
      b.body,
      `lane POST /lane/b [["content-length","8"],["host","t"]] ${Buffer.from("data=abc").toString("base64")}`,
    );
    assert.match(a.head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(a.head, /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5$/);
    assert.match(a.head, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    wire.socket.destroy();
  });

  test("answers pipelined requests in the order they came, whatever order their replies are ready in", async () => {
    const wire = new Wire(lane.port);
    await wire.send(get("/lane/hold-1") + get("/lane/2") + get("/lane/hold-3") + get("/lane/4"));
    await sleep(50);
    assert.equal(wire.received, "", "nothing may be written before the first reply");
    lane.held.get("/lane/hold-3")?.();
    await sleep(20);
    assert.equal(wire.received, "");
    lane.held.get("/lane/hold-1")?.();
    const replies = await wire.replies(4);
    assert.deepEqual(
      replies.map((r) => r.body.split(" ")[2]),
      ["/lane/hold-1", "/lane/2", "/lane/hold-3", "/lane/4"],
    );
    wire.socket.destroy();
  });

  test("gives the connection to node:http at the first request it does not take, after its own replies", async () => {
    const wire = new Wire(lane.port);
    await wire.send(get("/lane/hold-x") + get("/elsewhere") + get("/lane/after"));
    await sleep(50);
    assert.equal(wire.received, "");
    lane.held.get("/lane/hold-x")?.();
    const replies = await wire.replies(3);
    assert.deepEqual(
      replies.map((r) => r.body.split(" ").slice(0, 3).join(" ")),
      // Once node:http has the connection it keeps it, even for the lane's paths.
      ["lane GET /lane/hold-x", "node GET /elsewhere", "node GET /lane/after"],
    );
    wire.socket.destroy();
  });

  test("waits for a body that comes in pieces, and for a head split over a few packets", async () => {
    const wire = new Wire(lane.port);
    const body = "x".repeat(600);
    const request = post("/lane/pieces", body);
    await wire.send(request.slice(0, 20), request.slice(20, 60), request.slice(60, 300), request.slice(300));
    const [reply] = await wire.replies(1);
    assert.equal(reply.body.split(" ")[0], "lane");
    assert.equal(reply.body.split(" ").at(-1), Buffer.from(body).toString("base64"));
    wire.socket.destroy();
  });

  test("leaves node:http a head that dribbles in byte by byte, and a body over its limit", async () => {
    const dribble = new Wire(lane.port);
    const request = get("/lane/slow");
    await dribble.send(...request.split(""));
    const [slow] = await dribble.replies(1);
    assert.equal(slow.body.split(" ").slice(0, 3).join(" "), "node GET /lane/slow");
    dribble.socket.destroy();

    const big = new Wire(lane.port);
    await big.send(post("/lane/big", "y".repeat(2000)));
    const [reply] = await big.replies(1);
    assert.equal(reply.body.split(" ").slice(0, 3).join(" "), "node POST /lane/big");
    big.socket.destroy();
  });

  test("closes after a reply when the client asked to, or spoke HTTP/1.0 without keep-alive", async () => {
    const closing = new Wire(lane.port);
    await closing.send(get("/lane/c", "Connection: close\r\n") + get("/lane/ignored"));
    const replies = await closing.replies(2);
    assert.equal(replies.length, 1);
    assert.match(replies[0].head, /\r\nConnection: close$/);
    assert.ok(await closing.waitClosed());

    const old = new Wire(lane.port);
    await old.send("GET /lane/old HTTP/1.0\r\n\r\n");
    assert.equal((await old.replies(1))[0].body.split(" ")[0], "lane");
    assert.ok(await old.waitClosed());

    const kept = new Wire(lane.port);
    await kept.send("GET /lane/old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert.match((await kept.replies(1))[0].head, /\r\nConnection: keep-alive\r\n/);
    await sleep(50);
    assert.equal(kept.closed, false);
    kept.socket.destroy();
  });

  test("answers what was asked before the client's FIN, then closes", async () => {
    const wire = new Wire(lane.port);
    await wire.send(get("/lane/hold-fin"));
    wire.socket.end();
    await sleep(30);
    lane.held.get("/lane/hold-fin")?.();
    assert.equal((await wire.replies(1)).length, 1);
    assert.ok(await wire.waitClosed());
  });

  test("refuses to send a reply header that would split the reply", () => {
    let sent: unknown;
    const server = new FastLaneServer(
      {},
      {
        claims: () => true,
        answer: (exchange) => {
          try {
            exchange.send(200, { Location: "http://a\r\nSet-Cookie: x=1", "Content-Length": 0 }, "");
          } catch (error) {
            sent = error;
            exchange.destroy();
          }
        },
        maxBodyBytes: 10,
      },
      nodeListener,
    );
    return listen(server).then(async (port) => {
      const wire = new Wire(port);
      await wire.send(get("/x"));
      assert.ok(await wire.waitClosed());
      assert.equal(wire.received, "");
      assert.match(String(sent), /Location holds a character HTTP forbids/);
      await close(server);
    });
  });
});

describe("the lane's timeouts and closing", () => {
  test("an idle kept-alive connection is closed after keepAliveTimeout", async () => {
    const lane = await startLane();
    lane.server.keepAliveTimeout = 300;
    const wire = new Wire(lane.port);
    await wire.send(get("/lane/k"));
    await wire.replies(1);
    assert.ok(await wire.waitClosed(3000), "the idle connection was not closed");
    await close(lane.server);
  });

  test("a head that never completes gets node:http's 408 after headersTimeout", async () => {
    const lane = await startLane();
    lane.server.headersTimeout = 300;
    const wire = new Wire(lane.port);
    await wire.send("GET /lane/never HTTP/1.1\r\nHost: t\r\n");
    assert.ok(await wire.waitClosed(4000));
    assert.match(wire.received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    await close(lane.server);
  });

  test("close() ends idle connections at once and busy ones after their reply", async () => {
    const lane = await startLane();
    const idle = new Wire(lane.port);
    await idle.send(get("/lane/i"));
    await idle.replies(1);
    const busy = new Wire(lane.port);
    await busy.send(get("/lane/hold-busy"));
    await sleep(30);
    let closed = false;
    lane.server.close(() => {
      closed = true;
    });
    assert.ok(await idle.waitClosed(1000));
    assert.equal(closed, false);
    lane.held.get("/lane/hold-busy")?.();
    const [reply] = await busy.replies(1);
    assert.match(reply.head, /\r\nConnection: close$/);
    assert.ok(await busy.waitClosed(1000));
    for (let i = 0; i < 100 && !closed; i++) await sleep(10);
    assert.ok(closed, "close() did not call back once the last connection ended");
  });

  test("close() still answers every request it has taken, in order; only the last reply closes", async (t) => {
    const lane = await startLane();
    t.after(() => close(lane.server));
    const wire = new Wire(lane.port);
    await wire.send(get("/lane/hold-1") + get("/lane/hold-2") + get("/lane/hold-3"));
    for (let i = 0; i < 100 && lane.held.size < 3; i++) await sleep(10);
    lane.server.close();
    // Answered out of order: the replies still go out in the order asked.
    for (const n of [3, 1, 2]) lane.held.get(`/lane/hold-${n}`)?.();
    const replies = await wire.replies(3);
    assert.deepEqual(
      replies.map((r) => r.body.split(" ")[2]),
      ["/lane/hold-1", "/lane/hold-2", "/lane/hold-3"],
    );
    assert.deepEqual(
      replies.map((r) => r.head.endsWith("\r\nConnection: close")),
      [false, false, true],
    );
    assert.ok(await wire.waitClosed(1000));
  });

  test("close() lets a request whose body is still arriving finish, and answers it", async (t) => {
    const lane = await startLane();
    t.after(() => close(lane.server));
    const wire = new Wire(lane.port);
    const body = "0123456789";
    const request = post("/lane/late", body);
    await wire.send(get("/lane/hold-a") + request.slice(0, -5));
    for (let i = 0; i < 100 && !lane.held.has("/lane/hold-a"); i++) await sleep(10);
    lane.server.close();
    lane.held.get("/lane/hold-a")?.();
    await wire.replies(1);
    await wire.send(request.slice(-5));
    const replies = await wire.replies(2);
    assert.deepEqual(
      replies.map((r) => r.body.split(" ")[2]),
      ["/lane/hold-a", "/lane/late"],
    );
    assert.match(replies[1].head, /\r\nConnection: close$/);
    assert.ok(await wire.waitClosed(1000));
  });

  test("once closing has ended a connection, a request sent after is not taken", async (t) => {
    const lane = await startLane();
    t.after(() => close(lane.server));
    // A client that keeps sending after the server's FIN (half-open, as HTTP allows).
    const socket = connect({ port: lane.port, host: "127.0.0.1", allowHalfOpen: true });
    t.after(() => socket.destroy());
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      received += text;
    });
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    // The second reply is made before close() and the first after it: neither says close.
    socket.write(get("/lane/hold-1") + get("/lane/hold-2"));
    for (let i = 0; i < 100 && lane.held.size < 2; i++) await sleep(10);
    lane.held.get("/lane/hold-2")?.();
    lane.server.close();
    lane.held.get("/lane/hold-1")?.();
    for (let i = 0; i < 100 && parseReplies(received).length < 2; i++) await sleep(10);
    assert.equal(parseReplies(received).length, 2);
    socket.write(get("/lane/hold-3"));
    await sleep(100);
    assert.equal(lane.held.has("/lane/hold-3"), false, "a request was run that no reply could answer");
  });

  test("a client that never reads its reply loses the connection after requestTimeout", async (t) => {
    const lane = await startLane();
    t.after(() => close(lane.server));
    lane.server.keepAliveTimeout = 200;
    lane.server.requestTimeout = 600;
    const wire = new Wire(lane.port);
    wire.socket.pause();
    await wire.send(get("/lane/big"));
    // The client reads nothing, so it is the server's side that must see the connection go.
    const open = () => new Promise<number>((resolve) => lane.server.getConnections((_, n) => resolve(n)));
    let count = await open();
    for (let i = 0; i < 400 && count > 0; i++) {
      await sleep(10);
      count = await open();
    }
    assert.equal(count, 0, "the connection outlived requestTimeout");
    wire.socket.destroy();
  });

  test("the keep-alive clock starts once a reply has been written, not while a slow client reads it", async (t) => {
    const lane = await startLane();
    t.after(() => close(lane.server));
    lane.server.keepAliveTimeout = 300;
    const wire = new Wire(lane.port);
    wire.socket.pause();
    await wire.send(get("/lane/big"));
    await sleep(1800);
    wire.socket.resume();
    const [reply] = await wire.replies(1, 5000);
    assert.equal(reply?.body.length, 16 << 20, "the reply was cut off");
  });
});

describe("what the lane leaves to node:http and what it holds", () => {
  test("Proxy-Connection, which llhttp reads as Connection, goes to node:http", async (t) => {
    const lane = await startLane();
    t.after(() => close(lane.server));
    const wire = new Wire(lane.port);
    await wire.send(get("/lane/p", "Proxy-Connection: close\r\n"));
    const [reply] = await wire.replies(1);
    assert.match(reply.body, /^node GET \/lane\/p /);
    assert.ok(await wire.waitClosed(1000));
  });

  test("the start of a next request does not keep the whole packet it came in", async (t) => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const lane = await startLane({ maxBodyBytes: 2 << 20 });
    t.after(() => close(lane.server));
    const body = "d".repeat(1 << 20);
    const wires = Array.from({ length: 8 }, () => new Wire(lane.port));
    gc();
    const before = process.memoryUsage().arrayBuffers;
    // A 1 MiB body and the first byte of the next request, in one write each.
    for (const wire of wires) await wire.send(post("/lane/m", body) + "G");
    await Promise.all(wires.map((wire) => wire.replies(1)));
    for (let k = 0; k < 3; k++) gc();
    const held = process.memoryUsage().arrayBuffers - before;
    assert.ok(held < 4 << 20, `${(held / 1048576).toFixed(1)} MiB held for 8 bytes of next requests`);
  });
});

/**
 * Differential fuzz: requests made of plain parts and of every kind of oddity the protocol allows or
 * forbids go to the lane (which takes /lane) and to a bare node:http server. Each reply must be the
 * same, word for word: either the lane read the request exactly as node:http does, or it left it to
 * node:http.
 */
describe("the lane against node:http, on random requests", () => {
  let lane: Lane;
  let bare: Server;
  let barePort: number;
  before(async () => {
    lane = await startLane({ maxBodyBytes: 64 });
    bare = createServer({ maxHeaderSize: 8192 }, nodeListener);
    barePort = await listen(bare);
  });
  after(async () => {
    await close(lane.server);
    await close(bare);
  });

  const oddities = [
    "X-Fold: a\r\n b\r\n",
    "X-Bare-LF: a\nb\r\n",
    "X-Bare-CR: a\rb\r\n",
    "X-LF-Last: a\n\r\n",
    "X-CR-First:\rb\r\n",
    "Connection: Keep-Alive\r\n",
    "CONNECTION: CLOSE\r\n",
    "HOST: t\r\n",
    "X-Nul: a\0b\r\n",
    "X-Latin: caf\xe9\r\n",
    "Bad Name: x\r\n",
    "X-Space : x\r\n",
    ": empty name\r\n",
    "Content-Length: 3\r\nContent-Length: 3\r\n",
    "Content-Length: +3\r\n",
    "Content-Length: 3 \r\n",
    "Transfer-Encoding: chunked\r\n",
    "Expect: 100-continue\r\n",
    "Connection: Upgrade\r\nUpgrade: websocket\r\n",
    "Connection: close, keep-alive\r\n",
    "X-Dup: 1\r\nx-dup: 2\r\n",
    "X-Tab:\tx\t\r\n",
    "X-Empty:\r\n",
    `X-Long: ${"z".repeat(9000)}\r\n`,
  ];
  const lines = [
    "GET /lane/p?q=1 HTTP/1.1\r\n",
    "GET /lane/p HTTP/1.0\r\n",
    "GET /lane/é HTTP/1.1\r\n",
    "GET  /lane/p HTTP/1.1\r\n",
    "GET /lane/p HTTP/1.2\r\n",
    "GET /lane/p HTTP/2.0\r\n",
    "get /lane/p HTTP/1.1\r\n",
    "PUT /lane/p HTTP/1.1\r\n",
    "GET http://t/lane/p HTTP/1.1\r\n",
    "GET /lane/p\tx HTTP/1.1\r\n",
    "GET /lane/p\rx HTTP/1.1\r\n",
    "GET /lane/p\nx HTTP/1.1\r\n",
    "GET /lane/p HTTP/1.1\n",
    "GET /lane/p HTTP/1.1 \r\n",
    "\r\nGET /lane/p HTTP/1.1\r\n",
  ];

  test("300 random requests get the same reply from both", async () => {
    const random = seededRandom(20261127);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    for (let i = 0; i < 300; i++) {
      const line = random() < 0.5 ? lines[0] : pick(lines);
      let head = line.startsWith("GET /lane/p HTTP/1.0") && random() < 0.5 ? "" : "Host: t\r\n";
      for (let n = Math.floor(random() * 3); n > 0; n--) head += pick(oddities);
      const body = random() < 0.3 ? "abc" : "";
      if (body !== "" && !head.includes("Content-Length") && !head.includes("Transfer-Encoding"))
        head += "Content-Length: 3\r\n";
      const request = `${line.replace("/p", `/p${i}`)}${head}\r\n${body}`;
      const [fromLane, fromNode] = await Promise.all([
        exchange(lane.port, request),
        exchange(barePort, request),
      ]);
      const label = `case ${i}: ${JSON.stringify(request.slice(0, 200))}`;
      assert.equal(normalise(fromLane), normalise(fromNode), label);
    }
  });
});

/** Sends one request on a fresh connection; what came back before the server closed or went quiet. */
async function exchange(port: number, request: string): Promise<string> {
  const wire = new Wire(port);
  await wire.send(request);
  const until = Date.now() + 1000;
  while (!wire.closed && Date.now() < until) {
    if (parseReplies(wire.received).length > 0) break;
    await sleep(2);
  }
  wire.socket.destroy();
  return wire.received;
}

/** Which side answered and the Date line are the only differences allowed. */
function normalise(reply: string): string {
  return reply
    .replace(/\r\nDate: [^\r]*/, "")
    .replace(/\r\n\r\n(lane|node) /, "\r\n\r\nside ")
    .replace(/^(HTTP\/1\.1 \d+ [^\r]*)\r\n(.*)$/s, (_all, status: string, rest: string) => {
      const [head, ...body] = rest.split("\r\n\r\n");
      return `${status}\r\n${head.split("\r\n").sort().join("\r\n")}\r\n\r\n${body.join("\r\n\r\n")}`;
    });
}
