import assert from "node:assert/strict";
import { test } from "node:test";
import { aliasFingerprint, InProcessResultCache, resultKey } from "../../src/query/result-cache.js";

test("the in-process cache forgets the least recently used entries past its byte bound", async () => {
  // Each entry is charged (1 + 20) × 2 bytes of text and 160 of bookkeeping: 202; two fit in 450.
  const cache = new InProcessResultCache(450);
  await cache.set("a", "x".repeat(20), 60);
  await cache.set("b", "y".repeat(20), 60);
  assert.equal(await cache.get("a"), "x".repeat(20), "a is now the most recently used");
  await cache.set("c", "z".repeat(20), 60);
  assert.equal(await cache.get("b"), undefined, "b was the oldest and made room");
  assert.equal(await cache.get("a"), "x".repeat(20));
  assert.ok(cache.bytes <= 450);
});

test("an entry is charged for its key and bookkeeping too, so tiny replies cannot pass the bound", async () => {
  const cache = new InProcessResultCache(64 * 1024);
  for (let i = 0; i < 10_000; i++) await cache.set(`segmentation?from_date=2024-01-01&x=${i}`, "{}", 60);
  assert.ok(cache.bytes <= 64 * 1024);
  assert.ok(cache.bytes > 60 * 1024);
  assert.equal(await cache.get("segmentation?from_date=2024-01-01&x=0"), undefined, "the oldest went");
  assert.equal(await cache.get("segmentation?from_date=2024-01-01&x=9999"), "{}");
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
