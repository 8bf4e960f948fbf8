import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SqliteProfileStore } from "../../src/process/profile-sqlite-store.js";
import { EngageError, type EngagePage } from "../../src/process/profile-store.js";
import { parseProfileUpdate } from "../../src/process/profile-update.js";

const P = 1;
const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
let dir = "";
let store: SqliteProfileStore;
let offset = 1;

async function set(id: string, properties: Record<string, unknown>, projectId = P): Promise<void> {
  const parsed = parseProfileUpdate({ $distinct_id: id, $set: properties, $ignore_time: true }, T0);
  assert.ok(parsed.ok);
  await store.apply(projectId, parsed.update, offset++);
}

// 25 users u00 … u24, inserted out of order; every third one is on the pro plan.
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tally-engage-"));
  store = new SqliteProfileStore(dir);
  const order = Array.from({ length: 25 }, (_, i) => (i * 7) % 25);
  for (const i of order) {
    const id = `u${String(i).padStart(2, "0")}`;
    await set(id, { name: `user ${i}`, plan: i % 3 === 0 ? "pro" : "free", n: i });
  }
  await set("u99", { name: "other project" }, 2);
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (page: EngagePage) => page.results.map((r) => r.$distinct_id);

test("engage pages through profiles ordered by distinct id, with the total on every page", async () => {
  const first = await store.query(P, { pageSize: 10 });
  assert.equal(first.status, "ok");
  assert.equal(first.total, 25);
  assert.equal(first.page, 0);
  assert.equal(first.page_size, 10);
  assert.deepEqual(ids(first), ["u00", "u01", "u02", "u03", "u04", "u05", "u06", "u07", "u08", "u09"]);
  const third = await store.query(P, { pageSize: 10, page: 2, sessionId: first.session_id });
  assert.deepEqual(ids(third), ["u20", "u21", "u22", "u23", "u24"]);
  const beyond = await store.query(P, { pageSize: 10, page: 3, sessionId: first.session_id });
  assert.deepEqual(beyond.results, []);
  assert.equal(beyond.total, 25);
});

test("a session keeps later pages on the profiles that existed at its first page", async () => {
  const first = await store.query(P, { pageSize: 5 });
  await set("a-new", { name: "sorts first" });
  const second = await store.query(P, { pageSize: 5, page: 1, sessionId: first.session_id });
  assert.deepEqual(ids(second), ["u05", "u06", "u07", "u08", "u09"]);
  assert.equal(second.total, 25);
  const fresh = await store.query(P, { pageSize: 5, page: 0 });
  assert.equal(ids(fresh)[0], "a-new", "a new session sees the new profile");
  assert.equal(fresh.total, 26);
});

test("output_properties keeps only the named properties of each profile", async () => {
  const page = await store.query(P, { distinctIds: ["u03"], outputProperties: ["plan", "missing", "n"] });
  assert.deepEqual(ids(page), ["u03"]);
  const properties = page.results[0]!.$properties;
  assert.equal(Object.getPrototypeOf(properties), null);
  assert.deepEqual({ ...properties }, { plan: "pro", n: 3 });
});

test("distinct_ids and a where filter narrow the profiles, and the total counts only matches", async () => {
  const chosen = await store.query(P, { distinctIds: ["u24", "u02", "nobody", "u99"] });
  assert.deepEqual(ids(chosen), ["u02", "u24"]);
  assert.equal(chosen.total, 2);
  const pro = (p: Readonly<Record<string, unknown>>) => p["plan"] === "pro";
  const firstPage = await store.query(P, { filter: pro, pageSize: 4 });
  assert.equal(firstPage.total, 9);
  assert.deepEqual(ids(firstPage), ["u00", "u03", "u06", "u09"]);
  const lastPage = await store.query(P, {
    filter: pro,
    pageSize: 4,
    page: 2,
    sessionId: firstPage.session_id,
  });
  assert.deepEqual(ids(lastPage), ["u24"]);
  const both = await store.query(P, { filter: pro, distinctIds: ["u01", "u03"] });
  assert.deepEqual(ids(both), ["u03"]);
});

test("refuses a page size over 1,000, a negative page and a session id from elsewhere", async () => {
  const field = async (query: Parameters<SqliteProfileStore["query"]>[1], projectId = P) => {
    try {
      await store.query(projectId, query);
    } catch (err) {
      assert.ok(err instanceof EngageError);
      return err.field;
    }
    assert.fail("expected an EngageError");
  };
  assert.equal(await field({ pageSize: 1001 }), "page_size");
  assert.equal(await field({ pageSize: 0 }), "page_size");
  assert.equal(await field({ page: -1 }), "page");
  assert.equal(await field({ sessionId: "garbage" }), "session_id");
  const other = await store.query(2, {});
  assert.deepEqual(ids(other), ["u99"]);
  assert.equal(await field({ sessionId: other.session_id }), "session_id");
  assert.equal(await field({ sessionId: other.session_id, groupKey: "company" }, 2), "session_id");
});

describe("a where over many profiles", () => {
  const MANY = 3;
  const COUNT = 2_500;
  before(async () => {
    const items = Array.from({ length: COUNT }, (_, i) => {
      const parsed = parseProfileUpdate({ $distinct_id: `m${String(i).padStart(4, "0")}`, $set: { i } }, T0);
      assert.ok(parsed.ok);
      return { projectId: MANY, offset: offset++, update: parsed.update };
    });
    await store.applyMany(items);
  });

  test("reads in chunks that lose and repeat no profile at their seams", async () => {
    const odd = (p: Readonly<Record<string, unknown>>) => (p["i"] as number) % 2 === 1;
    const first = await store.query(MANY, { filter: odd, pageSize: 1000 });
    assert.equal(first.total, COUNT / 2);
    const last = await store.query(MANY, {
      filter: odd,
      pageSize: 1000,
      page: 1,
      sessionId: first.session_id,
    });
    const seen = [...ids(first), ...ids(last)];
    assert.equal(seen.length, COUNT / 2);
    assert.deepEqual(
      seen,
      Array.from({ length: COUNT / 2 }, (_, k) => `m${String(2 * k + 1).padStart(4, "0")}`),
    );
  });

  test("lets the event loop turn during a long filter, and stops when the query is aborted", async () => {
    const controller = new AbortController();
    let turns = 0;
    let filtered = 0;
    const ticker = setInterval(() => turns++, 1);
    // 0.05 ms a profile: 125 ms for all of them, far more than one of the pacer's slices.
    const slow = () => {
      filtered++;
      const until = performance.now() + 0.05;
      while (performance.now() < until) {
        // a costly expression
      }
      return true;
    };
    setTimeout(() => controller.abort(new Error("query timed out")), 40);
    try {
      await assert.rejects(store.query(MANY, { filter: slow, signal: controller.signal }), /query timed out/);
    } finally {
      clearInterval(ticker);
    }
    assert.ok(turns > 0, "timers ran while the profiles were filtered");
    assert.ok(filtered < COUNT / 2, `the filter stopped early: it read ${filtered} of ${COUNT} profiles`);
  });

  test("one reply is one snapshot, though profiles change while it is read", async () => {
    const update = (id: string, i: number) => {
      const parsed = parseProfileUpdate({ $distinct_id: id, $set: { i }, $ignore_time: true }, T0);
      assert.ok(parsed.ok);
      return { projectId: MANY, offset: offset++, update: parsed.update };
    };
    let seen = 0;
    const odd = (p: Readonly<Record<string, unknown>>) => {
      // On the first profile of the second chunk: two odd profiles become even, one in the chunk
      // already read and one in a chunk still to come.
      if (++seen === 1001) void store.applyMany([update("m0001", 2), update(`m${COUNT - 1}`, 4)]);
      return (p["i"] as number) % 2 === 1;
    };
    assert.equal((await store.query(MANY, { filter: odd, pageSize: 10 })).total, COUNT / 2);
    assert.equal((await store.query(MANY, { filter: odd, pageSize: 10 })).total, COUNT / 2 - 2);
  });
});
