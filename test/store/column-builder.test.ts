import assert from "node:assert/strict";
import { test } from "node:test";
import { columnValue, Tag } from "../../src/expr/columns.js";
import type { JsonObject } from "../../src/expr/value.js";
import { buildColumnBatch } from "../../src/store/column-builder.js";

test("a property that changes kind from row to row reads back exactly", () => {
  const values = [1.5, "DE", null, true, false, undefined, [1, "a"], { k: { j: 2 } }, "DE", -0];
  const rows = values.map((v, i) => ({
    properties: (v === undefined ? { time: i } : { time: i, x: v }) as JsonObject,
  }));
  const batch = buildColumnBatch(rows);
  const column = batch.property("x");
  assert.ok(column);
  assert.deepEqual(
    values.map((_, i) => columnValue(column, i)),
    values,
  );
  assert.equal(column.tags[5], Tag.Absent);
  assert.equal(column.dictionary.length, 1, "a repeated string is stored once");
  assert.ok(Number.isNaN(column.numbers![1]), "rows without a number hold NaN");
  assert.equal(column.codes![0], -1, "rows without a string hold code -1");
  assert.deepEqual(Array.from(batch.time), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(batch.property("time"), undefined, "time lives in its own column");
});

test("__proto__ and constructor are ordinary property names", () => {
  const props = JSON.parse('{"time": 1, "__proto__": "p", "constructor": 5}') as JsonObject;
  const batch = buildColumnBatch([{ properties: props }, { properties: { time: 2 } }]);
  assert.equal(columnValue(batch.property("__proto__")!, 0), "p");
  assert.equal(columnValue(batch.property("constructor")!, 0), 5);
  assert.equal(batch.property("toString"), undefined);
});
