import assert from "node:assert/strict";
import { test } from "node:test";
import { queryWorkersFrom } from "../../src/cli/options.js";

test("--query-workers takes 0 to 64 and names itself when the value is not a count", () => {
  assert.equal(queryWorkersFrom("0"), 0);
  assert.equal(queryWorkersFrom("3"), 3);
  for (const bad of ["-1", "two", "1.5", "65", ""]) {
    assert.throws(() => queryWorkersFrom(bad), /--query-workers: .* is not a thread count from 0 to 64/);
  }
});
