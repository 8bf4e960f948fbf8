import assert from "node:assert/strict";
import { test } from "node:test";
import { aliasFingerprint, InProcessResultCache, resultKey } from "../../src/query/result-cache.js";

test("the in-process cache forgets the least recently used entries past its byte bound", async () => {
  const cache = new InProcessResultCache(100);
  await cache.set("a", "x".repeat(20), 60);
  await cache.set("b", "y".repeat(20), 60);
  assert.equal(await cache.get("a"), "x".repeat(20), "a is now the most recently used");
  await cache.set("c", "z".repeat(20), 60);
  assert.equal(await cache.get("b"), undefined, "b was the oldest and made room");
  assert.equal(await cache.get("a"), "x".repeat(20));
  assert.ok(cache.bytes <= 100);
});

test("an entry past its time to live is gone", async () => {
  let now = 0;
  const cache = new InProcessResultCache(1000, () => now);
  await cache.set("k", "v", 10);
  now = 9_999;
  assert.equal(await cache.get("k"), "v");
  now = 10_000;
  assert.equal(await cache.get("k"), undefined);
  assert.equal(cache.bytes, 0);
});

test("a key changes with the data version and the alias map, not with the order of parameters", () => {
  const base = {
    projectId: 1,
    endpoint: "segmentation",
    params: new URLSearchParams("event=a&from_date=2024-01-01&to_date=2024-01-02"),
    dataVersion: "10,12",
    aliasVersion: aliasFingerprint(new Map([["x", "y"]])),
  };
  const same = { ...base, params: new URLSearchParams("to_date=2024-01-02&event=a&from_date=2024-01-01") };
  assert.equal(resultKey(base), resultKey(same));
  assert.notEqual(resultKey(base), resultKey({ ...base, dataVersion: "10,13" }));
  assert.notEqual(resultKey(base), resultKey({ ...base, aliasVersion: aliasFingerprint(new Map()) }));
  assert.notEqual(resultKey(base), resultKey({ ...base, projectId: 2 }));
  assert.equal(
    aliasFingerprint(
      new Map([
        ["a", "b"],
        ["c", "d"],
      ]),
    ),
    aliasFingerprint(
      new Map([
        ["c", "d"],
        ["a", "b"],
      ]),
    ),
  );
});
