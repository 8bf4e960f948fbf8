import assert from "node:assert/strict";
import { test } from "node:test";
import { cacheableDays } from "../../src/api/engine-endpoints.js";
import type { Project } from "../../src/projects/project.js";

const PROJECT: Project = { id: 1, name: "p", token: "t", secret: "s", timeZone: "UTC" };
const closed = (where: string) =>
  new URLSearchParams({ from_date: "2020-01-01", to_date: "2020-01-31", event: "Buy", where });

test("a closed range is cached unless an expression reads profiles or the clock, however it is spaced", () => {
  assert.deepEqual(cacheableDays("segmentation", closed('properties["plan"] == "pro"'), PROJECT), [
    "2020-01-01",
    "2020-01-31",
  ]);
  for (const where of [
    'user["plan"] == "pro"',
    'user ["plan"] == "pro"',
    'user\n["plan"] == "pro"',
    "NOW - 1",
  ]) {
    assert.equal(cacheableDays("segmentation", closed(where), PROJECT), undefined, where);
  }
});
