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

test("a selector inside JSON is read as JSON decodes it, escapes and all", () => {
  const steps = (selector: string) =>
    new URLSearchParams({
      from_date: "2020-01-01",
      to_date: "2020-01-31",
      events: `[{"event":"A","selector":"${selector}"},{"event":"B"}]`,
    });
  assert.deepEqual(cacheableDays("funnels", steps('properties[\\"plan\\"] == 1'), PROJECT), [
    "2020-01-01",
    "9999-12-31",
  ]);
  assert.equal(cacheableDays("funnels", steps('\\u0075ser[\\"plan\\"] == 1'), PROJECT), undefined);
  assert.equal(cacheableDays("funnels", steps("\\u004eOW > 1"), PROJECT), undefined);
});

test("endpoints that count back from NOW are never cached, whatever dates they are given", () => {
  for (const name of ["events/top", "events/names", "events/properties/top", "events/properties/values"]) {
    assert.equal(cacheableDays(name, closed("1"), PROJECT), undefined, name);
  }
});
