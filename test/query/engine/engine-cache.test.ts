// The engine cache's bound holds for everything it keeps alive: the user numbering is an entry
// like the columns, charged as it grows, and a new one (with a new serial) replaces it once evicted.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getHeapStatistics } from "node:v8";
import { defaultCacheBytes, EngineCache } from "../../../src/query/engine/engine-cache.js";

describe("the engine cache", () => {
  it("charges a user numbering's growth to its bound", () => {
    const cache = new EngineCache({ maxBytes: 1_000_000 });
    const identity = cache.identity(new Map());
    const before = cache.bytes;
    for (let n = 0; n < 1000; n++) identity.numbering.numberOf(`user-number-${n}`);
    cache.charge(identity);
    assert.ok(cache.bytes - before >= 1000 * 40, `${cache.bytes - before} bytes charged for 1,000 users`);
  });

  it("gives an alias map the same numbering until the LRU evicts it, then a new one under a new serial", () => {
    const cache = new EngineCache({ maxBytes: 10_000 });
    const aliases = new Map<string, string>();
    const first = cache.identity(aliases);
    const again = cache.identity(aliases);
    assert.equal(again.serial, first.serial);
    assert.equal(again.numbering, first.numbering);
    cache.cached(
      "columns",
      () => new Uint8Array(9_990),
      (a) => a.byteLength,
    );
    const next = cache.identity(aliases);
    assert.notEqual(next.serial, first.serial);
    assert.notEqual(next.numbering, first.numbering);
  });

  it("bounds itself by default to at least 256 MiB and at most half of V8's heap", () => {
    const bytes = defaultCacheBytes();
    assert.ok(bytes >= 256 * 2 ** 20);
    assert.ok(bytes <= Math.max(256 * 2 ** 20, getHeapStatistics().heap_size_limit / 2));
    assert.equal(new EngineCache().maxBytes, bytes);
  });
});
