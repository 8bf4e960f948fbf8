import assert from "node:assert/strict";
import { test } from "node:test";
import { importThreadsFrom, queryWorkersFrom } from "../../src/cli/options.js";

for (const [option, read] of [
  ["--query-workers", queryWorkersFrom],
  ["--import-threads", importThreadsFrom],
] as const) {
  test(`${option} takes 0 to 64 and names itself when the value is not a count`, () => {
    assert.equal(read("0"), 0);
    assert.equal(read("3"), 3);
    for (const bad of ["-1", "two", "1.5", "65", ""]) {
      assert.throws(() => read(bad), new RegExp(`${option}: .* is not a thread count from 0 to 64`));
    }
  });
}

test("--import-threads falls back on TALLY_IMPORT_THREADS, then on the default", () => {
  const saved = process.env.TALLY_IMPORT_THREADS;
  try {
    process.env.TALLY_IMPORT_THREADS = "2";
    assert.equal(importThreadsFrom(undefined), 2);
    assert.equal(importThreadsFrom("1"), 1, "the flag wins");
    delete process.env.TALLY_IMPORT_THREADS;
    assert.equal(importThreadsFrom(undefined), undefined);
  } finally {
    if (saved === undefined) delete process.env.TALLY_IMPORT_THREADS;
    else process.env.TALLY_IMPORT_THREADS = saved;
  }
});
