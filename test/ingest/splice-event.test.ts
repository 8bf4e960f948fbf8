// The fast path (scan-events.ts + splice-event.ts) against the slow one (JSON.parse, cleanEvent,
// JSON.stringify): for random events of every shape, and for mutated texts, both must accept and
// refuse the same records, with the same problems, and write envelopes that parse to the same
// objects, keys in the same order. Generated $insert_ids are compared by form only.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type BatchRules, type CleanBatch, cleanBatch } from "../../src/ingest/batch.js";
import { decodeBody } from "../../src/ingest/decode.js";
import { IngestError } from "../../src/ingest/ingest-error.js";
import { DEFAULT_LIMITS } from "../../src/ingest/limits.js";
import { ScannedEvent, scanEvents } from "../../src/ingest/scan-events.js";
import { type Random, seededRandom } from "../seeded-random.js";
import { ALPHA, FakeProjects, NOW } from "./harness.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function rules(importing: boolean, clientIp: string | undefined): BatchRules {
  return {
    kind: "event",
    importing,
    nowMs: NOW,
    clientIp,
    projects: new FakeProjects(),
    project: importing ? ALPHA : undefined,
    limits: DEFAULT_LIMITS,
  };
}

/** The slow path alone: every record parsed by JSON.parse. */
function slowBatch(text: string, batchRules: BatchRules): CleanBatch {
  const value: unknown = JSON.parse(text);
  return cleanBatch(Array.isArray(value) ? value : [value], batchRules);
}

/**
 * An envelope as an object, with a generated $insert_id replaced by a marker once its form is
 * checked; its head's summary, when it has one, checked against the record.
 */
function comparable(payload: Buffer): string {
  const envelope = JSON.parse(payload.toString("utf8"));
  if (Object.hasOwn(envelope, "e")) {
    const properties = envelope.d.properties;
    assert.ok(!IDENTITY_NAMES.includes(envelope.d.event), "an identity event has no summary");
    assert.ok(Object.is(envelope.e, properties.time), "the summary's time is the record's");
    assert.equal(envelope.i, Object.hasOwn(properties, "distinct_id") ? properties.distinct_id : undefined);
  }
  if (envelope.g === 1) {
    assert.match(envelope.d.properties.$insert_id, UUID);
    envelope.d.properties.$insert_id = "<generated>";
  }
  return JSON.stringify(envelope);
}

function assertSameBatch(fast: CleanBatch, slow: CleanBatch, text: string): void {
  const where = `for ${text.slice(0, 300)}`;
  assert.deepEqual(fast.payloads.map(comparable), slow.payloads.map(comparable), where);
  assert.deepEqual(fast.failures, slow.failures, where);
}

// ---- random events ----

const PLAIN_NAMES = ["Viewed page", "Signed up", "$mp_web_page_view", "Käufer ✓", "e"];
const IDENTITY_NAMES = ["$create_alias", "$identify", "$merge"];

function pick<T>(items: readonly T[], next: Random): T {
  return items[Math.floor(next() * items.length)];
}

/** A JSON number literal, sometimes one JSON.stringify would write differently. */
function numberText(next: Random): string {
  return pick(
    [
      "0",
      "-0",
      "-0.0",
      "12",
      "-7.25",
      "1.50",
      "3e2",
      "1E-3",
      "1e999",
      "123456789012345678901234567890",
      String(next() * 1e6),
      String(Math.floor(next() * 100)),
    ],
    next,
  );
}

function stringText(next: Random): string {
  return pick(
    [
      '"plain"',
      '""',
      '"esc\\"aped \\u00e9 \\n"',
      '"\\ud83d\\ude00 emoji"',
      '"lone \\udc00"',
      JSON.stringify("x".repeat(255)),
      JSON.stringify("y".repeat(256)),
      JSON.stringify("é".repeat(300)),
      '"üñí"',
      '"__proto__"',
    ],
    next,
  );
}

function valueText(next: Random, depth: number): string {
  const r = next();
  if (r < 0.3) return stringText(next);
  if (r < 0.55) return numberText(next);
  if (r < 0.65) return pick(["true", "false", "null"], next);
  if (r < 0.8 && depth < 5) {
    const n = Math.floor(next() * 4);
    return "[" + Array.from({ length: n }, () => valueText(next, depth + 1)).join(", ") + "]";
  }
  if (depth < 5) {
    const n = Math.floor(next() * 4);
    const keys = ["a", "b", "__proto__", "constructor", "k\\u0065y", "a"];
    const members = Array.from(
      { length: n },
      () => `${JSON.stringify(pick(keys, next))}:${valueText(next, depth + 1)}`,
    );
    return "{" + members.join(",") + "}";
  }
  return stringText(next);
}

/** A special field's value: usually plain, sometimes of a kind only the slow path may judge. */
function specialText(name: string, next: Random): string | undefined {
  const r = next();
  if (r < 0.15) return undefined; // absent
  if (r < 0.2) return "null";
  if (r < 0.25) return valueText(next, 0);
  switch (name) {
    case "token":
      return pick([JSON.stringify(ALPHA.token), '"tok-beta"', '"nope"', '""', '"tok-\\u0061lpha"'], next);
    case "time":
      return pick(
        [
          String(NOW / 1000),
          String(NOW),
          String(NOW / 1000 - 3600),
          String(Math.floor(NOW / 1000) - 86400 * 6),
          String(NOW / 1000 + 7200),
          "1.7e9",
          '"1705320000"',
          "0",
          "1e20",
          "253402300800",
          "-5",
        ],
        next,
      );
    case "distinct_id":
      return pick(['"user-1"', "12345", "1.5", "-0", '""', '"u\\u0031"', "1e3"], next);
    case "$insert_id":
      return pick(['"a1b2c3"', '"has space"', '"x-1"', '""', JSON.stringify("z".repeat(37)), "42"], next);
    default:
      return pick(['"10.0.0.1"', "null", "7"], next);
  }
}

function eventText(next: Random): string {
  const members: string[] = [];
  for (const name of ["token", "time", "distinct_id", "$insert_id", "ip", "alias", "$anon_id"]) {
    const value = specialText(name, next);
    if (value !== undefined) members.push(`${JSON.stringify(name)}:${value}`);
    if (next() < 0.05 && value !== undefined) members.push(`${JSON.stringify(name)}:${value}`); // twice
  }
  const extra = Math.floor(next() * 6);
  for (let i = 0; i < extra; i++) members.push(`"p${i % 4}": ${valueText(next, 0)}`);
  if (next() < 0.05) members.push('"\\u0074ime": 1705320000');
  if (next() < 0.03) members.push(`${JSON.stringify("n".repeat(300))}: 1`);
  for (let i = members.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [members[i], members[j]] = [members[j], members[i]];
  }
  const space = next() < 0.2 ? " \n\t" : "";
  const properties = `{${space}${members.join(`,${space}`)}${space}}`;
  const name = next() < 0.1 ? pick(IDENTITY_NAMES, next) : pick(PLAIN_NAMES, next);
  const parts = [`"event":${next() < 0.03 ? "7" : JSON.stringify(name)}`, `"properties":${properties}`];
  if (next() < 0.05) parts.push('"extra": 1');
  if (next() < 0.5) parts.reverse();
  return `{${space}${parts.join(",")}${space}}`;
}

function requestText(next: Random): string {
  if (next() < 0.7) return eventText(next);
  const n = 1 + Math.floor(next() * 4);
  const items = Array.from({ length: n }, () => (next() < 0.9 ? eventText(next) : valueText(next, 0)));
  return `[${items.join(",")}]`;
}

describe("fast path of event cleaning", () => {
  test("random events: the fast path accepts, refuses and writes exactly as the slow path", () => {
    const next = seededRandom(0x5b1ce);
    let scannedFast = 0;
    let records = 0;
    for (let round = 0; round < 4000; round++) {
      const text = requestText(next);
      const importing = next() < 0.3;
      const batchRules = rules(importing, next() < 0.4 ? "203.0.113.9" : undefined);
      const scanned = scanEvents(text, !importing);
      assert.ok(scanned !== undefined, `valid JSON the scan did not read: ${text}`);
      scannedFast += scanned.filter((record) => record instanceof ScannedEvent).length;
      records += scanned.length;
      assertSameBatch(cleanBatch(scanned, batchRules), slowBatch(text, batchRules), text);
    }
    // The generator is meant to exercise both paths.
    assert.ok(scannedFast > records * 0.05 && scannedFast < records * 0.9, `${scannedFast} of ${records}`);
  });

  test("a browser event takes the fast path and keeps its text", () => {
    const text = JSON.stringify({
      event: "Viewed page",
      properties: {
        token: ALPHA.token,
        distinct_id: 42,
        time: NOW / 1000 - 10,
        $current_url: "https://example.com/?q=1",
        nested: { list: [1, "two", { three: 3 }] },
        __proto__: { polluted: true },
      },
    }).replace('"__proto__"', '"__proto__"');
    const scanned = scanEvents(text, true);
    assert.ok(scanned?.[0] instanceof ScannedEvent);
    const batch = cleanBatch(scanned, rules(false, "198.51.100.1"));
    const envelope = JSON.parse(batch.payloads[0].toString("utf8"));
    assert.equal(envelope.g, 1);
    assert.deepEqual(Object.keys(envelope.d.properties), [
      "token",
      "distinct_id",
      "time",
      "$current_url",
      "nested",
      "$insert_id",
      "ip",
    ]);
    assert.equal(envelope.d.properties.distinct_id, "42");
    assert.equal(envelope.d.properties.time, (NOW - 10_000) / 1000);
    assert.equal(envelope.d.properties.ip, "198.51.100.1");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("texts that are not JSON are left to JSON.parse, and mutated texts never disagree with it", () => {
    const next = seededRandom(0xfa57);
    const alphabet = '{}[]",:\\u0 e-.1';
    for (let round = 0; round < 4000; round++) {
      const chars = [...requestText(next)];
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * chars.length);
        const r = next();
        if (r < 0.4) chars.splice(at, 1);
        else if (r < 0.7) chars.splice(at, 0, pick([...alphabet], next));
        else chars[at] = pick([...alphabet], next);
      }
      const text = chars.join("");
      let parsed: unknown;
      let valid = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        valid = false;
      }
      const scanned = scanEvents(text, true);
      if (scanned === undefined) continue;
      assert.ok(valid, `the scan read what JSON.parse refuses: ${text}`);
      const records = Array.isArray(parsed) ? parsed : [parsed];
      assert.equal(scanned.length, records.length, text);
      const batchRules = rules(false, undefined);
      assertSameBatch(cleanBatch(scanned, batchRules), cleanBatch(records, batchRules), text);
    }
  });

  test("deep nesting and huge inputs are handed to JSON.parse without exhausting the stack", () => {
    const deep = `{"event":"e","properties":{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
    assert.equal(scanEvents(deep, true), undefined);
    assert.equal(scanEvents("[]", true), undefined, "an empty list is the slow path's to refuse");
    assert.equal(scanEvents('{"event":"e"} x', true), undefined);
    assert.equal(scanEvents('{"event":"e","properties":{"n":12', true), undefined);
  });

  test("the request decoders use the fast path for /track and /import, not for profile updates", () => {
    const event = `{"event":"e","properties":{"token":"${ALPHA.token}"}}`;
    const data = Buffer.from(event).toString("base64");
    const track = decodeBody(
      "track",
      "application/x-www-form-urlencoded",
      Buffer.from(`data=${data}`),
      undefined,
      DEFAULT_LIMITS,
    );
    assert.ok(track.records[0] instanceof ScannedEvent);
    const imported = decodeBody(
      "import",
      "application/json",
      Buffer.from(`[${event}]`),
      undefined,
      DEFAULT_LIMITS,
    );
    assert.ok(imported.records[0] instanceof ScannedEvent);
    const engage = decodeBody("engage", "application/json", Buffer.from(event), undefined, DEFAULT_LIMITS);
    assert.ok(!(engage.records[0] instanceof ScannedEvent));
    const tooMany = `[${Array(DEFAULT_LIMITS.maxRecords + 1)
      .fill(event)
      .join(",")}]`;
    assert.throws(
      () => decodeBody("track", "application/json", Buffer.from(tooMany), undefined, DEFAULT_LIMITS),
      (error) => error instanceof IngestError && error.reason === "too_many_records",
    );
  });
});
