import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CleanedEvent, cleanEvent, type EventRules } from "../../src/ingest/validate-event.js";
import { ALPHA, FakeProjects, NOW } from "./harness.js";

const TRACK: EventRules = {
  importing: false,
  nowMs: NOW,
  clientIp: undefined,
  projects: new FakeProjects(),
  project: undefined,
};
const IMPORT: EventRules = { ...TRACK, importing: true, project: ALPHA };

function clean(raw: unknown, rules: EventRules = TRACK) {
  const out: CleanedEvent = { record: undefined, projectId: 0, insertIdGenerated: false };
  const problem = cleanEvent(raw, rules, out);
  return { problem, out };
}

function event(properties: Record<string, unknown>, name = "Signup"): Record<string, unknown> {
  return { event: name, properties: { token: ALPHA.token, distinct_id: "u1", ...properties } };
}

function rejected(raw: unknown, rules: EventRules = TRACK) {
  const { problem } = clean(raw, rules);
  assert.ok(problem !== undefined, "expected the record to be rejected");
  return problem;
}

describe("event validation", () => {
  test("a /track event without time gets the arrival time in seconds and a generated $insert_id", () => {
    const { problem, out } = clean(event({}));
    assert.equal(problem, undefined);
    assert.equal(out.projectId, ALPHA.id);
    assert.equal(out.record?.properties.time, NOW / 1000);
    assert.match(out.record?.properties.$insert_id ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(out.insertIdGenerated, true);
  });

  test("times in milliseconds and fractional seconds become seconds with millisecond precision", () => {
    const ms = NOW - 1234;
    assert.equal(clean(event({ time: ms })).out.record?.properties.time, ms / 1000);
    assert.equal(clean(event({ time: ms / 1000 })).out.record?.properties.time, ms / 1000);
    assert.equal(
      clean(event({ time: (NOW - 60_000) / 1000 + 0.0004 })).out.record?.properties.time,
      (NOW - 60_000) / 1000,
    );
  });

  test("/track rejects events older than 5 days and sets those over an hour ahead to now", () => {
    const old = rejected(event({ time: (NOW - 5 * 86400_000 - 1000) / 1000 }));
    assert.equal(old.field, "properties.time");
    assert.equal(old.rule, "time_out_of_range");
    assert.match(old.message, /5 days.*\/import/);
    assert.equal(
      clean(event({ time: NOW + 30 * 60_000 })).out.record?.properties.time,
      (NOW + 30 * 60_000) / 1000,
    );
    assert.equal(clean(event({ time: NOW + 2 * 3600_000 })).out.record?.properties.time, NOW / 1000);
  });

  test("/import takes any time from 1971 on and requires one", () => {
    assert.equal(clean(event({ time: 31536000, $insert_id: "a" }), IMPORT).problem, undefined);
    assert.equal(rejected(event({ time: 31535999, $insert_id: "a" }), IMPORT).rule, "time_out_of_range");
    assert.equal(rejected(event({ $insert_id: "a" }), IMPORT).rule, "missing_time");
    assert.equal(rejected(event({ time: "yesterday", $insert_id: "a" }), IMPORT).rule, "invalid_time");
  });

  test("distinct_id may be a number and is stored as a string; other types are rejected", () => {
    assert.equal(clean(event({ distinct_id: 42 })).out.record?.properties.distinct_id, "42");
    const bad = rejected(event({ distinct_id: { id: 1 } }));
    assert.equal(bad.field, "properties.distinct_id");
  });

  test("ip=1 adds the client address and derives distinct_id from it when there is none", () => {
    const rules = { ...TRACK, clientIp: "203.0.113.9" };
    const raw = { event: "e", properties: { token: ALPHA.token } };
    const { out } = clean(raw, rules);
    assert.equal(out.record?.properties.ip, "203.0.113.9");
    assert.equal(out.record?.properties.distinct_id, "203.0.113.9");
    assert.equal(clean(event({ ip: "198.51.100.1" }), rules).out.record?.properties.ip, "198.51.100.1");
  });

  test("$insert_id must be 1 to 36 letters, digits or dashes, and is required on /import", () => {
    assert.equal(clean(event({ $insert_id: "A-b-9".padEnd(36, "x") })).problem, undefined);
    for (const bad of ["has space", "x".repeat(37), "", "ü", 123]) {
      const problem = rejected(event({ $insert_id: bad }));
      assert.equal(problem.field, "properties.$insert_id");
      assert.equal(problem.rule, "invalid_insert_id");
    }
    assert.equal(rejected(event({ time: NOW / 1000 }), IMPORT).rule, "missing_insert_id");
  });

  test("an unknown or missing token rejects the record on /track", () => {
    assert.equal(rejected(event({ token: "nope" })).rule, "unknown_token");
    assert.equal(rejected({ event: "e", properties: {} }).rule, "missing_token");
  });

  test("the event name must be a non-empty string of at most 255 bytes", () => {
    assert.equal(clean(event({}, "é".repeat(127))).problem, undefined);
    assert.equal(rejected(event({}, "é".repeat(128))).field, "event");
    assert.equal(rejected(event({}, "")).rule, "invalid_event_name");
    assert.equal(rejected({ properties: {} }).rule, "invalid_event_name");
  });

  test("properties are limited in count, name length, nesting and list length", () => {
    const many = Object.fromEntries(Array.from({ length: 253 }, (_, i) => [`p${i}`, i]));
    assert.equal(clean(event(many)).problem, undefined, "253 own + token + distinct_id make 255");
    const tooMany = Object.fromEntries(Array.from({ length: 254 }, (_, i) => [`p${i}`, i]));
    assert.equal(rejected(event(tooMany)).rule, "too_many_properties");
    assert.equal(rejected(event({ ["k".repeat(256)]: 1 })).rule, "property_name_too_long");
    assert.equal(clean(event({ a: { b: { c: { d: 1 } } } })).problem, undefined);
    const deep = rejected(event({ a: { b: { c: { d: { e: 1 } } } } }));
    assert.equal(deep.rule, "nesting_too_deep");
    assert.equal(deep.field, "properties.a.b.c.d");
    assert.equal(rejected(event({ list: [[[["x"]]]] })).field, "properties.list.0.0.0");
    assert.equal(clean(event({ list: Array(255).fill(1) })).problem, undefined);
    assert.equal(rejected(event({ list: Array(256).fill(1) })).rule, "list_too_long");
  });

  test("strings are cut to 255 characters on /track, at any depth, and kept whole on /import", () => {
    const long = "x".repeat(1000);
    const nested = { list: [long] };
    const { out } = clean(event({ s: long, nested }));
    assert.equal(String(out.record?.properties.s).length, 255);
    assert.equal(nested.list[0].length, 255, "cut in place");
    const imported = clean(event({ s: long, time: NOW / 1000, $insert_id: "i" }), IMPORT);
    assert.equal(String(imported.out.record?.properties.s).length, 1000);
  });

  test("characters are counted as code points: an emoji is one, and never cut in half", () => {
    const text = "a".repeat(254) + "😀" + "tail";
    const { out } = clean(event({ s: text }));
    assert.equal(out.record?.properties.s, "a".repeat(254) + "😀");
    // 200 emoji are 400 UTF-16 units but 200 characters: kept whole.
    const emoji = "😀".repeat(200);
    assert.equal(clean(event({ s: emoji })).out.record?.properties.s, emoji);
    assert.equal(clean(event({ s: "😀".repeat(300) })).out.record?.properties.s, "😀".repeat(255));
  });

  test("__proto__, constructor and prototype are kept as ordinary properties", () => {
    const raw = JSON.parse(
      `{"event":"e","properties":{"token":"${ALPHA.token}","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"prototype":"p"}}`,
    );
    const { problem, out } = clean(raw);
    assert.equal(problem, undefined);
    const properties = out.record!.properties;
    assert.ok(Object.hasOwn(properties, "__proto__"));
    assert.deepEqual(
      Object.keys(properties).sort(),
      ["$insert_id", "__proto__", "constructor", "distinct_id", "prototype", "time", "token"].sort(),
    );
    assert.equal(Object.getPrototypeOf(properties), Object.prototype);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  test("$create_alias needs distinct_id and a different alias", () => {
    assert.equal(clean(event({ alias: "new-id" }, "$create_alias")).problem, undefined);
    assert.equal(clean(event({ alias: 7 }, "$create_alias")).out.record?.properties.alias, "7");
    assert.equal(rejected(event({}, "$create_alias")).field, "properties.alias");
    assert.equal(
      rejected(event({ alias: "u1" }, "$create_alias")).message,
      "alias must differ from distinct_id",
    );
    assert.equal(
      rejected({ event: "$create_alias", properties: { token: ALPHA.token, alias: "a" } }).field,
      "properties.distinct_id",
    );
  });

  test("$identify needs the anonymous id as $anon_distinct_id or $anon_id", () => {
    assert.equal(clean(event({ $anon_distinct_id: "anon-1" }, "$identify")).problem, undefined);
    assert.equal(clean(event({ $anon_id: "anon-1" }, "$identify")).problem, undefined);
    // A null or empty $anon_distinct_id holds no id: $anon_id beside it is the one.
    for (const none of [null, ""]) {
      assert.equal(
        clean(event({ $anon_distinct_id: none, $anon_id: "anon-1" }, "$identify")).problem,
        undefined,
      );
    }
    assert.equal(rejected(event({}, "$identify")).rule, "invalid_identity_event");
  });

  test("$merge is taken on /import only, with exactly two ids", () => {
    const merge = (ids: unknown) =>
      event({ $distinct_ids: ids, time: NOW / 1000, $insert_id: "m1" }, "$merge");
    assert.equal(clean(merge(["a", 2]), IMPORT).problem, undefined);
    assert.equal(rejected(merge(["a", "b"])).message, "$merge is accepted on /import only");
    assert.equal(rejected(merge(["a"]), IMPORT).field, "properties.$distinct_ids");
    assert.equal(rejected(merge(["a", ""]), IMPORT).field, "properties.$distinct_ids.1");
  });

  test("records that are not objects, or whose properties are not, are rejected", () => {
    for (const raw of [null, 3, "e", [1]]) assert.equal(rejected(raw).rule, "not_an_object");
    assert.equal(rejected({ event: "e", properties: [1] }).field, "properties");
  });
});
