// A long scan lets the event loop turn between batches, so a timeout set by a timer can stop it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Pacer } from "../../src/util/pacer.js";

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a scan that holds the thread
  }
}

describe("Pacer", () => {
  it("lets a timer run once a slice has passed, and stops when that timer aborted the query", async () => {
    const controller = new AbortController();
    const pacer = new Pacer(controller.signal);
    setTimeout(() => controller.abort(new Error("query timed out")), 0);
    // Timers run on the loop's next turn, so the abort is seen at the end of the next slice.
    busy(30);
    await pacer.pause();
    busy(30);
    await assert.rejects(pacer.pause(), /query timed out/);
  });

  it("does not yield within a slice", async () => {
    const pacer = new Pacer(undefined);
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    await pacer.pause();
    assert.equal(turned, false);
  });
});
