import assert from "node:assert/strict";
import { test } from "node:test";
import { readObject, toProperties, writeObject } from "../../src/process/profile-json.js";
import { parseProfileUpdate } from "../../src/process/profile-update.js";

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);

function rejection(record: unknown): { field: string; message: string } {
  const parsed = parseProfileUpdate(record, NOW);
  assert.ok(!parsed.ok, `expected a rejection of ${JSON.stringify(record)}`);
  return { field: parsed.field, message: parsed.message };
}

test("a stored property object reads back with its members in written order, integer-like names included", () => {
  const members = new Map<string, unknown>([
    ["b", 1],
    ["10", "ten"],
    ["2", [1, { x: "}" }]],
    ['q"uote', 'a\\"b'],
    ["__proto__", { polluted: true }],
  ]);
  const text = writeObject(members as Map<string, never>);
  assert.equal(
    text,
    '{"b":1,"10":"ten","2":[1,{"x":"}"}],"q\\"uote":"a\\\\\\"b","__proto__":{"polluted":true}}',
  );
  assert.deepEqual([...readObject(text)], [...members]);
  assert.deepEqual(
    [...readObject(' { "a" : [ 1 , 2 ] , "b" : null } ')],
    [
      ["a", [1, 2]],
      ["b", null],
    ],
  );
  assert.deepEqual([...readObject("{}")], []);
  assert.throws(() => readObject('{"a":1'), SyntaxError);
});

test("properties handed to readers are a null-prototype object holding __proto__ as plain data", () => {
  const properties = toProperties(readObject('{"__proto__":{"polluted":true},"constructor":"c"}'));
  assert.equal(Object.getPrototypeOf(properties), null);
  assert.deepEqual(Object.keys(properties), ["__proto__", "constructor"]);
  assert.equal(properties["constructor"], "c");
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
});

test("an engage record becomes a typed update with its operations in record order and $time in ms", () => {
  const parsed = parseProfileUpdate(
    {
      $token: "t",
      $distinct_id: 42,
      $time: 1_700_000_000,
      $unset: ["old"],
      $set: { plan: "pro" },
      $ignore_time: true,
      $ip: "203.0.113.9",
    },
    NOW,
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.update, {
    target: { kind: "person", distinctId: "42" },
    operations: [
      { op: "$unset", keys: ["old"] },
      { op: "$set", entries: [["plan", "pro"]] },
    ],
    time: 1_700_000_000_000,
    ignoreTime: true,
    ignoreAlias: false,
    ip: "203.0.113.9",
  });
});

test("a groups record targets the group key and id, and a missing $time means the arrival time", () => {
  const parsed = parseProfileUpdate({ $group_key: "company", $group_id: "acme", $set: { seats: 5 } }, NOW);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.update.target, { kind: "group", groupKey: "company", groupId: "acme" });
  assert.equal(parsed.update.time, NOW);
  assert.equal(parsed.update.ip, undefined);
  const noIp = parseProfileUpdate({ $distinct_id: "u", $set: {}, $ip: "0", $time: 1_700_000_000_123 }, NOW);
  assert.ok(noIp.ok);
  assert.equal(noIp.update.ip, undefined, '"0" means no address');
  assert.equal(noIp.update.time, 1_700_000_000_123, "a $time above 10^11 is milliseconds");
});

test("rejects an $add of a non-number, naming the operation and property", () => {
  const r = rejection({ $distinct_id: "u", $add: { visits: "1" } });
  assert.equal(r.field, "$add.visits");
  assert.match(r.message, /must be a number/);
});

test("rejects records without a target, without an operation, or with malformed operations", () => {
  assert.equal(rejection({ $set: { a: 1 } }).field, "$distinct_id");
  assert.equal(rejection({ $group_key: "", $group_id: "x", $set: {} }).field, "$group_key");
  assert.equal(rejection({ $group_key: "company", $set: {} }).field, "$group_id");
  assert.equal(rejection({ $distinct_id: "u" }).field, "record");
  assert.equal(rejection({ $distinct_id: "u", $set: [1] }).field, "$set");
  assert.equal(rejection({ $distinct_id: "u", $union: { tags: "x" } }).field, "$union.tags");
  assert.equal(rejection({ $distinct_id: "u", $unset: [1] }).field, "$unset");
  assert.equal(rejection({ $distinct_id: "u", $set: {}, $time: "soon" }).field, "$time");
  assert.equal(rejection({ $distinct_id: "u", $set: {}, $time: 1e20 }).field, "$time");
  assert.equal(rejection([]).field, "record");
});

test("an inherited operation name is not an operation: only the record's own members count", () => {
  const record = Object.create({ $set: { a: 1 } }) as Record<string, unknown>;
  record["$distinct_id"] = "u";
  assert.equal(rejection(record).field, "record");
});
