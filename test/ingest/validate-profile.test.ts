import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CleanedUpdate, cleanUpdate, type UpdateRules } from "../../src/ingest/validate-profile.js";
import { ALPHA, FakeProjects } from "./harness.js";

const ENGAGE: UpdateRules = { kind: "engage", clientIp: undefined, projects: new FakeProjects() };
const GROUPS: UpdateRules = { ...ENGAGE, kind: "groups" };

function clean(raw: Record<string, unknown>, rules: UpdateRules = ENGAGE) {
  const out: CleanedUpdate = { projectId: 0, operation: "$set" };
  return { problem: cleanUpdate(raw, rules, out), out };
}

function update(fields: Record<string, unknown>): Record<string, unknown> {
  return { $token: ALPHA.token, $distinct_id: "u1", ...fields };
}

describe("profile and group update validation", () => {
  test("each operation with a value of its type is accepted and named", () => {
    const cases: Array<[string, unknown]> = [
      ["$set", { plan: "pro" }],
      ["$set_once", { first_seen: "today" }],
      ["$add", { visits: 1, spend: -2.5 }],
      ["$append", { pages: "home" }],
      ["$union", { tags: ["a", "b"] }],
      ["$remove", { tags: "a" }],
      ["$unset", ["plan", "tags"]],
      ["$delete", ""],
    ];
    for (const [operation, value] of cases) {
      const { problem, out } = clean(update({ [operation]: value }));
      assert.equal(problem, undefined, operation);
      assert.equal(out.operation, operation);
      assert.equal(out.projectId, ALPHA.id);
    }
  });

  test("an update needs exactly one operation", () => {
    assert.equal(clean(update({})).problem?.rule, "no_operation");
    const two = clean(update({ $set: { a: 1 }, $add: { b: 1 } })).problem;
    assert.equal(two?.rule, "several_operations");
    assert.match(two?.message ?? "", /\$set and \$add/);
  });

  test("operation values of the wrong type are rejected with the field named", () => {
    assert.equal(clean(update({ $add: { visits: "1" } })).problem?.field, "$add.visits");
    assert.equal(clean(update({ $union: { tags: "a" } })).problem?.field, "$union.tags");
    assert.equal(clean(update({ $unset: "plan" })).problem?.field, "$unset");
    assert.equal(clean(update({ $set: ["a"] })).problem?.field, "$set");
  });

  test("operation values follow the property rules: nesting, names, lists", () => {
    assert.equal(clean(update({ $set: { a: { b: { c: { d: 1 } } } } })).problem, undefined);
    const deep = clean(update({ $set: { a: { b: { c: { d: { e: 1 } } } } } })).problem;
    assert.equal(deep?.rule, "nesting_too_deep");
    assert.equal(deep?.field, "$set.a.b.c.d");
    assert.equal(clean(update({ $set: { ["n".repeat(300)]: 1 } })).problem?.rule, "property_name_too_long");
  });

  test("the token must name a project, and $distinct_id is required and stored as a string", () => {
    assert.equal(clean(update({ $token: "nope", $set: {} })).problem?.rule, "unknown_token");
    assert.equal(clean({ $distinct_id: "u", $set: {} }).problem?.rule, "missing_token");
    assert.equal(clean({ $token: ALPHA.token, $set: {} }).problem?.field, "$distinct_id");
    const raw = update({ $distinct_id: 17, $set: {} });
    clean(raw);
    assert.equal(raw.$distinct_id, "17");
  });

  test("modifiers are cleaned: $time to milliseconds, flags to booleans, $ip checked", () => {
    const raw = update({ $set: { a: 1 }, $time: 1_700_000_000, $ignore_time: "true", $ignore_alias: 0 });
    assert.equal(clean(raw).problem, undefined);
    assert.equal(raw.$time, 1_700_000_000_000);
    assert.equal(raw.$ignore_time, true);
    assert.equal(raw.$ignore_alias, false);
    assert.equal(clean(update({ $set: {}, $time: "soon" })).problem?.field, "$time");
    assert.equal(clean(update({ $set: {}, $ip: 5 })).problem?.field, "$ip");
    const none = update({ $set: { a: 1 }, $ip: 0 });
    assert.equal(clean(none).problem, undefined);
    assert.equal(none.$ip, "0");
  });

  test("ip=1 gives the update the client address as $ip unless it names one", () => {
    const rules = { ...ENGAGE, clientIp: "192.0.2.5" };
    const raw = update({ $set: {} });
    clean(raw, rules);
    assert.equal(raw.$ip, "192.0.2.5");
    const own = update({ $set: {}, $ip: "0" });
    clean(own, rules);
    assert.equal(own.$ip, "0");
  });

  test("group updates need $group_key and $group_id", () => {
    const group = { $token: ALPHA.token, $group_key: "company", $group_id: 99, $set: { size: 10 } };
    assert.equal(clean(group, GROUPS).problem, undefined);
    assert.equal(group.$group_id, "99");
    assert.equal(
      clean({ $token: ALPHA.token, $group_id: "c", $set: {} }, GROUPS).problem?.field,
      "$group_key",
    );
    assert.equal(
      clean({ $token: ALPHA.token, $group_key: "company", $set: {} }, GROUPS).problem?.field,
      "$group_id",
    );
  });

  test("keys the SDKs add beside the operation are kept", () => {
    const raw = update({
      $set: { a: 1 },
      $device_id: "d1",
      $user_id: "u1",
      $had_persisted_distinct_id: true,
    });
    assert.equal(clean(raw).problem, undefined);
    assert.equal(raw.$device_id, "d1");
  });
});
