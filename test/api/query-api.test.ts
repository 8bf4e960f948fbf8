import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { engineEndpoints } from "../../src/api/engine-endpoints.js";
import { createQueryApiHandler, type QueryEndpoint } from "../../src/api/query-api.js";
import type { Project, ProjectDirectory } from "../../src/projects/project.js";
import { QueryLimitError } from "../../src/query/engine/limits.js";
import { MemoryPool } from "../../src/query/engine/query-memory.js";
import { queryMemoryOf } from "../../src/query/engine/source.js";
import { QueryParamError } from "../../src/query/params-error.js";

const shop: Project = { id: 1, name: "shop", token: "tok-shop", secret: "sec-shop", timeZone: "UTC" };
const blog: Project = { id: 2, name: "blog", token: "tok-blog", secret: "sec-blog", timeZone: "UTC" };
const projects: ProjectDirectory = {
  byToken: (t) => [shop, blog].find((p) => p.token === t),
  byId: (id) => [shop, blog].find((p) => p.id === id),
  authenticate: (user, password, projectId) => {
    const p = [shop, blog].find((x) => x.secret === user && password === "");
    return p && (projectId === undefined || projectId === p.id) ? p : undefined;
  },
};

let releases: (() => void)[] = [];
/** Ends every "held" query (and every "stubborn" one). */
const release = () => {
  for (const r of releases) r();
  releases = [];
};
/** The memory every engine query charges: 1 KiB, so that "greedy" finds it full. */
const pool = new MemoryPool(1024);
const engine = engineEndpoints(
  {
    store: {} as never,
    aliasSnapshots: { snapshot: async () => new Map() } as never,
    profiles: {} as never,
    memory: pool,
  },
  new Map([
    [
      "greedy",
      async (source) => {
        queryMemoryOf(source).charge(512, "its first rows");
        queryMemoryOf(source).charge(1024, "its other rows");
        return {};
      },
    ],
  ]),
);
const endpoints = new Map<string, QueryEndpoint>([
  ...engine,
  [
    "whoami",
    async (r) => ({ kind: "json", body: { project: r.project.name, where: r.params.get("where") } }),
  ],
  [
    "segmentation",
    async (r) => {
      throw new QueryParamError("from_date", `"${r.params.get("from_date")}" is not a date (yyyy-mm-dd)`);
    },
  ],
  // Stops when its query is aborted, as the engine does between batches.
  [
    "slow",
    ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
  ],
  // Goes on after its query is aborted, as the engine does inside a batch, until released.
  ["stubborn", () => new Promise((resolve) => releases.push(() => resolve({ kind: "json", body: "late" })))],
  [
    // A stream that runs past the 200 ms query timeout while it keeps writing, then one that stalls.
    "long-export",
    async ({ params }) => ({
      kind: "stream",
      contentType: "application/x-ndjson",
      produce: async (sink) => {
        const gapMs = Number(params.get("gap"));
        for (let i = 0; i < 8; i++) {
          await sink.write(`${JSON.stringify({ i })}\n`);
          await new Promise((resolve) => setTimeout(resolve, gapMs));
        }
      },
    }),
  ],
  ["held", () => new Promise((resolve) => releases.push(() => resolve({ kind: "json", body: "done" })))],
  ["broken", async () => Promise.reject(new Error("bug"))],
  [
    "huge",
    async () => Promise.reject(new QueryLimitError("maxSegments", "reads 5,000 segments; at most 4,096")),
  ],
  [
    "export",
    async () => ({
      kind: "stream",
      contentType: "application/x-ndjson",
      produce: async (sink) => {
        for (let i = 0; i < 3; i++) await sink.write(`${JSON.stringify({ i })}\n`);
      },
    }),
  ],
]);
const errors: unknown[] = [];
let server: Server;
let base = "";

before(async () => {
  const handler = createQueryApiHandler({
    projects,
    endpoints,
    limits: { timeoutMs: 200, concurrentPerProject: 2, concurrentTotal: 3 },
    onError: (e) => errors.push(e),
  });
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const auth = (secret: string) => ({ authorization: `Basic ${Buffer.from(`${secret}:`).toString("base64")}` });

test("answers under both /api/2.0 and /api/query for the project whose secret is given", async () => {
  for (const prefix of ["/api/2.0", "/api/query"]) {
    const res = await fetch(`${base}${prefix}/whoami?where=1`, { headers: auth("sec-blog") });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { project: "blog", where: "1" });
  }
});

test("takes parameters from a form-encoded POST body", async () => {
  const res = await fetch(`${base}/api/2.0/whoami`, {
    method: "POST",
    headers: { ...auth("sec-shop"), "content-type": "application/x-www-form-urlencoded" },
    body: "where=properties%5B%22a%22%5D",
  });
  assert.deepEqual(await res.json(), { project: "shop", where: 'properties["a"]' });
  // A media type in any case, with a charset.
  const upper = await fetch(`${base}/api/2.0/whoami`, {
    method: "POST",
    headers: { ...auth("sec-shop"), "content-type": "Application/X-WWW-Form-Urlencoded; charset=UTF-8" },
    body: "where=1",
  });
  assert.deepEqual(await upper.json(), { project: "shop", where: "1" });
});

test("an empty project_id counts as absent", async () => {
  const res = await fetch(`${base}/api/2.0/whoami?project_id=&where=1`, { headers: auth("sec-shop") });
  assert.equal(res.status, 200);
});

test("rejects a missing or wrong secret, and a secret with another project's id, with 401 JSON", async () => {
  for (const [url, headers] of [
    [`${base}/api/2.0/whoami`, {}],
    [`${base}/api/2.0/whoami`, auth("nope")],
    [`${base}/api/2.0/whoami?project_id=1`, auth("sec-blog")],
  ] as const) {
    const res = await fetch(url, { headers });
    assert.equal(res.status, 401);
    const body = (await res.json()) as { status: string; error: string };
    assert.equal(body.status, "error");
    assert.ok(body.error.length > 0);
  }
});

test("a bad parameter is a 400 that names it", async () => {
  const res = await fetch(`${base}/api/2.0/segmentation?from_date=yesterday`, { headers: auth("sec-shop") });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    error: 'from_date: "yesterday" is not a date (yyyy-mm-dd)',
    status: "error",
  });
});

test("a query over the engine's bounds is a 400 that says which bound", async () => {
  const res = await fetch(`${base}/api/2.0/huge`, { headers: auth("sec-shop") });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { error: string }).error, /^query too large: reads 5,000 segments/);
});

test("a query the server's query memory has no room for is a 503 to retry, and gives back what it held", async () => {
  const res = await fetch(`${base}/api/2.0/greedy`, { headers: auth("sec-shop") });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "1");
  assert.match(((await res.json()) as { error: string }).error, /queries running now hold .* retry shortly/);
  assert.equal(pool.used, 0);
});

test("an unknown endpoint is a 404 JSON", async () => {
  const res = await fetch(`${base}/api/2.0/nothing`, { headers: auth("sec-shop") });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { status: string }).status, "error");
});

test("a query past its time limit gets a 504 JSON", async () => {
  const res = await fetch(`${base}/api/2.0/slow`, { headers: auth("sec-shop") });
  assert.equal(res.status, 504);
  assert.deepEqual(await res.json(), { error: "query timed out", status: "error" });
});

test("queries past the per-project concurrency bound get 429 while other projects go on", async () => {
  const held = [1, 2].map(() => fetch(`${base}/api/2.0/held`, { headers: auth("sec-shop") }));
  await new Promise((r) => setTimeout(r, 50));
  const third = await fetch(`${base}/api/2.0/whoami`, { headers: auth("sec-shop") });
  assert.equal(third.status, 429);
  const other = await fetch(`${base}/api/2.0/whoami`, { headers: auth("sec-blog") });
  assert.equal(other.status, 200);
  release();
  await Promise.all(held);
});

test("queries past the server's total bound get 429 whichever project asks", async () => {
  const held = [
    fetch(`${base}/api/2.0/held`, { headers: auth("sec-shop") }),
    fetch(`${base}/api/2.0/held`, { headers: auth("sec-shop") }),
    fetch(`${base}/api/2.0/held`, { headers: auth("sec-blog") }),
  ];
  await new Promise((r) => setTimeout(r, 50));
  const fourth = await fetch(`${base}/api/2.0/whoami`, { headers: auth("sec-blog") });
  assert.equal(fourth.status, 429);
  assert.match(((await fourth.json()) as { error: string }).error, /on this server \(limit 3\)/);
  release();
  await Promise.all(held);
  assert.equal((await fetch(`${base}/api/2.0/whoami`, { headers: auth("sec-blog") })).status, 200);
});

test("a query answered 504 keeps its slot until its work has stopped", async () => {
  const timedOut = await Promise.all(
    [1, 2].map(() => fetch(`${base}/api/2.0/stubborn`, { headers: auth("sec-shop") })),
  );
  assert.deepEqual(
    timedOut.map((r) => r.status),
    [504, 504],
  );
  const behind = await fetch(`${base}/api/2.0/whoami`, { headers: auth("sec-shop") });
  assert.equal(behind.status, 429, "both slots are still the stubborn queries' work");
  release();
  await new Promise((r) => setImmediate(r));
  const after = await fetch(`${base}/api/2.0/whoami`, { headers: auth("sec-shop") });
  assert.equal(after.status, 200);
});

test("a bug in an endpoint is a logged 500 without a stack trace in the reply", async () => {
  const res = await fetch(`${base}/api/2.0/broken`, { headers: auth("sec-shop") });
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.doesNotMatch(text, /at .*\.ts/);
  assert.ok(errors.length > 0);
});

test("streams newline-delimited JSON, gzipped when the client accepts it", async () => {
  const plain = await fetch(`${base}/api/2.0/export`, { headers: auth("sec-shop") });
  assert.equal(await plain.text(), '{"i":0}\n{"i":1}\n{"i":2}\n');
  const raw = await new Promise<Buffer>((resolve) => {
    import("node:http").then(({ get }) =>
      get(
        `${base}/api/2.0/export`,
        { headers: { ...auth("sec-shop"), "accept-encoding": "gzip" } },
        (res) => {
          assert.equal(res.headers["content-encoding"], "gzip");
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(Buffer.concat(chunks)));
        },
      ),
    );
  });
  assert.equal(gunzipSync(raw).toString(), '{"i":0}\n{"i":1}\n{"i":2}\n');
});

test("a request target that is not a URL path is left to the server's 404, not thrown", async () => {
  const port = (server.address() as AddressInfo).port;
  const logged = errors.length;
  for (const target of ["//h:99999/", "//h:99999/api/2.0/whoami", "http://x:99999/api/2.0/whoami"]) {
    const socket = connect(port, "127.0.0.1");
    socket.setEncoding("latin1");
    socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    let received = "";
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    await once(socket, "close");
    assert.match(received, /^HTTP\/1\.1 404 /, target);
  }
  assert.equal(errors.length, logged);
});

test("a stream runs past the query timeout while it keeps going, and is cut when it stalls", async () => {
  const going = await fetch(`${base}/api/2.0/long-export?gap=60`, { headers: auth("sec-shop") });
  assert.equal(going.status, 200);
  const lines = (await going.text()).trim().split("\n");
  assert.equal(lines.length, 8, "eight lines over ~480 ms, each within 200 ms of the last");
  const stalled = await fetch(`${base}/api/2.0/long-export?gap=400`, { headers: auth("sec-shop") });
  await assert.rejects(stalled.text(), "a stream that stalls past the timeout is cut");
});

test("a POST body over the limit gets its 413 JSON, not a reset connection", async () => {
  const res = await fetch(`${base}/api/2.0/whoami`, {
    method: "POST",
    headers: { ...auth("sec-shop"), "content-type": "application/x-www-form-urlencoded" },
    body: `where=${"x".repeat(5 * 1024 * 1024)}`,
  });
  assert.equal(res.status, 413);
  assert.match(((await res.json()) as { error: string }).error, /request body over 4194304 bytes/);
});

test("a JSON parameter within its bound fits a POST body once URL-encoded", async () => {
  // About 700,000 characters of JSON, 1.3 MB once URL-encoded.
  const list = JSON.stringify(Array.from({ length: 100_000 }, (_, i) => String(i % 10_000).padStart(4, "0")));
  const res = await fetch(`${base}/api/2.0/whoami`, {
    method: "POST",
    headers: { ...auth("sec-shop"), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ where: list }).toString(),
  });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { where: string }).where, list);
});
