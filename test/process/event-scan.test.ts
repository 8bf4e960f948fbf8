import assert from "node:assert/strict";
import { test } from "node:test";
import { EventScan, MAX_DEPTH } from "../../src/process/event-scan.js";
import {
  decodeEventWithText,
  type EventEnvelope,
  EventHead,
  encodeEnvelope,
  eventEnvelopeHead,
} from "../../src/queue/envelope.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "../store/random-events.js";

const T = Date.UTC(2024, 4, 14, 9) / 1000;

/** An envelope without the summary, as identity events and logs older than it have one: its record is walked. */
function payloadOf(record: unknown, generated = false, projectId = 7): Buffer {
  return Buffer.from(
    `${eventEnvelopeHead(projectId, 1_700_000_000_123, generated)}${JSON.stringify(record)}}`,
  );
}

/** The envelope ingest writes for an ordinary event: the summary in its head. */
function summarisedPayloadOf(record: unknown, generated = false): Buffer {
  const envelope = {
    kind: "event",
    projectId: 7,
    receivedAt: 1_700_000_000_123,
    insertIdGenerated: generated,
    record,
  };
  const payload = encodeEnvelope(envelope as EventEnvelope);
  assert.ok(payload.includes(',"e":'), "encodeEnvelope summarises an ordinary event");
  return payload;
}

/** The envelope's head as encodeEnvelope writes it, around a record given as text. */
function rawPayload(recordText: string): Buffer {
  return Buffer.from(`{"k":"event","p":7,"t":1700000000123,"d":${recordText}}`);
}

function randomPayloads(count: number, encode = payloadOf): Buffer[] {
  return randomEvents(seededRandom(11), count, 0, T).map((e) => {
    const properties: Record<string, unknown> = { time: e.time, $insert_id: e.insertId ?? "gen" };
    if (e.distinctId !== "5") properties.distinct_id = e.distinctId;
    // Own keys, `__proto__` among them, copied as data properties.
    for (const key of Object.keys(e.properties)) {
      Object.defineProperty(properties, key, {
        value: e.properties[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return encode({ event: e.event, properties }, e.insertId === null);
  });
}

/** What the ordinary decoder makes of `payload`, in the scan's terms; undefined when it refuses. */
function decoded(payload: Buffer) {
  let withText: ReturnType<typeof decodeEventWithText>;
  try {
    withText = decodeEventWithText(payload);
  } catch {
    return undefined;
  }
  if (withText === undefined) return undefined;
  const { envelope, recordText } = withText;
  return {
    projectId: envelope.projectId,
    insertIdGenerated: envelope.insertIdGenerated,
    time: envelope.record.properties.time,
    distinctId: envelope.record.properties.distinct_id ?? "",
    text: recordText.toString("latin1"),
    event: envelope.record.event,
  };
}

/** The scan's reading of `payload`, or undefined when it declines. */
function scanned(scan: EventScan, payload: Buffer) {
  if (!scan.read(payload)) return undefined;
  return {
    projectId: scan.projectId,
    insertIdGenerated: scan.insertIdGenerated,
    time: scan.time,
    distinctId: scan.distinctId,
    text: payload.subarray(scan.recordStart, scan.recordEnd).toString("latin1"),
  };
}

/** Asserts the scan either declines `payload` or reads it exactly as the ordinary decoder does. */
function assertAgrees(scan: EventScan, payload: Buffer): boolean {
  const got = scanned(scan, payload);
  if (got === undefined) return false;
  const want = decoded(payload);
  assert.ok(want !== undefined, `the scan took what JSON.parse refuses: ${payload.toString("latin1")}`);
  const { event, ...fields } = want;
  assert.ok(
    !["$identify", "$create_alias", "$merge"].includes(event),
    "identity events are left to the parse",
  );
  assert.deepEqual(got, fields, payload.toString("latin1"));
  return true;
}

test("the scan reads random events of every JSON kind exactly as JSON.parse does", () => {
  const scan = new EventScan();
  const payloads = randomPayloads(2000);
  let read = 0;
  for (const p of payloads) if (assertAgrees(scan, p)) read++;
  // Declined: only records whose text has an escape in a key that matters (none here).
  assert.equal(read, payloads.length);
});

test("an envelope with a summary is read off its head, as JSON.parse reads the record", () => {
  const scan = new EventScan();
  const payloads = randomPayloads(2000, summarisedPayloadOf);
  for (const p of payloads) assert.ok(assertAgrees(scan, p), p.toString("latin1"));
});

test("with a summary the record is not walked: its bytes go on as ingest wrote them", () => {
  const scan = new EventScan();
  // A raw control byte, which ingest never writes and a walk refuses: taken, because the summary
  // is ingest's word and the log's checksum, not this reader, guards the bytes on the way.
  const record = '{"event":"E","properties":{"v":"a\u0001b"}}'.replace("\\u0001", "\u0001");
  const payload = Buffer.from(`{"k":"event","p":7,"t":1,"g":1,"e":1.5,"i":"u\\"1","d":${record}}`);
  assert.equal(scan.read(payload), true);
  assert.deepEqual(scanned(scan, payload), {
    projectId: 7,
    insertIdGenerated: true,
    time: 1.5,
    distinctId: 'u"1',
    text: record,
  });
  assert.equal(scan.read(Buffer.from(`{"k":"event","p":7,"t":1,"e":1.5,"d":${record}}`)), true);
  assert.equal(scan.distinctId, "");
});

test("a summary that is not as ingest writes it is declined", () => {
  const scan = new EventScan();
  const record = '{"event":"E","properties":{"time":1,"$insert_id":"i"}}';
  for (const summary of [
    '"e":"1"',
    '"e":01',
    '"e":1.',
    '"e":1,"i":5',
    '"e":1,"i":"a\u0001"'.replace("\\u0001", "\u0001"),
    '"e":1,"i":"\\x"',
    '"e":1,"i":"\\u12G4"',
    '"e":1,"i":"a',
    '"i":"a","e":1',
    '"e":1,"i":"a","x":1',
  ]) {
    assert.equal(
      scan.read(Buffer.from(`{"k":"event","p":7,"t":1,${summary},"d":${record}}`)),
      false,
      summary,
    );
  }
  for (const d of ["[1]", '"x"', "{", "1"]) {
    assert.equal(scan.read(Buffer.from(`{"k":"event","p":7,"t":1,"e":1,"d":${d}}`)), false, d);
  }
});

test("a damaged payload is either declined or read as JSON.parse reads it, never taken when JSON.parse refuses", () => {
  const scan = new EventScan();
  const head = new EventHead();
  // Damage that spells a summary (`"g":1` made `"e":1`) is the summary's trust, tested above.
  const walked = (payload: Buffer) => !head.read(payload) || head.timeStart < 0;
  const rand = seededRandom(5);
  const bytes = [
    0x22, 0x5c, 0x2c, 0x3a, 0x7d, 0x5d, 0x7b, 0x5b, 0x30, 0x2d, 0x65, 0x2e, 0x20, 0x0a, 0x01, 0x80, 0x75,
  ];
  let declined = 0;
  let read = 0;
  for (const original of randomPayloads(150)) {
    for (let k = 0; k < 60; k++) {
      const at = Math.floor(rand() * original.length);
      const damaged =
        rand() < 0.3
          ? Buffer.concat([original.subarray(0, at), original.subarray(at + 1)])
          : Buffer.from(original);
      if (damaged.length === original.length) damaged[at] = bytes[Math.floor(rand() * bytes.length)];
      if (!walked(damaged)) continue;
      if (assertAgrees(scan, damaged)) read++;
      else declined++;
    }
  }
  assert.ok(declined > 1000 && read > 1000, `declined ${declined}, read ${read}`);
});

test("JSON's grammar is held to: numbers, literals, escapes, control characters, commas", () => {
  const scan = new EventScan();
  const good = (extra: string) =>
    rawPayload(`{"event":"E","properties":{"time":1,"$insert_id":"i"${extra}}}`);
  for (const value of [
    "01",
    "1.",
    ".5",
    "-",
    "1e",
    "1e+",
    "+1",
    "tru",
    "nul",
    "fals",
    "[1,]",
    "{,}",
    '{"a"}',
    '"\\x"',
  ]) {
    assert.equal(scan.read(good(`,"v":${value}`)), false, value);
  }
  for (const value of ['"\\u12G4"', '"a\u0001b"', '"tab\there"', "[1 2]", '{"a":1,}', "1 1"]) {
    assert.equal(scan.read(good(`,"v":${value}`)), false, value);
  }
  for (const value of [
    "-0",
    "0.5e-3",
    "1E+9",
    "true",
    "false",
    "null",
    '"\\u00e9\\n\\"\\/"',
    " [ 1 , { } ] ",
    '{"":[]}',
  ]) {
    assert.equal(assertAgrees(scan, good(`,"v":${value}`)), true, value);
  }
  assert.equal(scan.read(good(",")), false);
  assert.equal(scan.read(rawPayload(`{"event":"E","properties":{"time":1,"$insert_id":"i"}} x`)), false);
});

test("the last of repeated keys wins, as in JSON.parse, and a key spelled with escapes is left to JSON.parse", () => {
  const scan = new EventScan();
  const twice = rawPayload(
    `{"event":"E","properties":{"time":1,"$insert_id":"i","distinct_id":"a","distinct_id":"b","time":2}}`,
  );
  assert.ok(assertAgrees(scan, twice));
  assert.equal(scan.distinctId, "b");
  assert.equal(scan.time, 2);
  const replaced = rawPayload(
    `{"properties":{"time":1,"$insert_id":"i","distinct_id":"a"},"event":"E","properties":{"time":3,"$insert_id":"j"}}`,
  );
  assert.ok(assertAgrees(scan, replaced));
  assert.equal(scan.distinctId, "");
  const escapedKey = rawPayload(
    `{"event":"E","properties":{"time":1,"$insert_id":"i","dis\\u0074inct_id":"a"}}`,
  );
  assert.equal(scan.read(escapedKey), false);
  const escapedName = rawPayload(`{"event":"\\u0024identify","properties":{"time":1,"$insert_id":"i"}}`);
  assert.equal(scan.read(escapedName), false);
});

test("identity events, records missing what an event needs and other layouts are declined", () => {
  const scan = new EventScan();
  const props = { time: T, $insert_id: "i", distinct_id: "u" };
  for (const name of ["$identify", "$create_alias", "$merge"]) {
    assert.equal(scan.read(payloadOf({ event: name, properties: props })), false, name);
  }
  assert.equal(scan.read(payloadOf({ event: 1, properties: props })), false);
  assert.equal(scan.read(payloadOf({ event: "E", properties: [] })), false);
  assert.equal(scan.read(payloadOf({ event: "E", properties: { ...props, time: "1" } })), false);
  assert.equal(scan.read(payloadOf({ event: "E", properties: { ...props, $insert_id: 5 } })), false);
  assert.equal(scan.read(payloadOf({ event: "E", properties: { ...props, distinct_id: 5 } })), false);
  assert.equal(scan.read(payloadOf({ event: "E", properties: { time: T } })), false);
  assert.equal(scan.read(Buffer.from(`{"p":7,"k":"event","t":1,"d":{"event":"E","properties":{}}}`)), false);
  assert.equal(scan.read(payloadOf({ event: "E", properties: props }, false, 1e16)), false);
  const deep = `${"[".repeat(MAX_DEPTH)}${"]".repeat(MAX_DEPTH)}`;
  assert.equal(
    scan.read(rawPayload(`{"event":"E","properties":{"time":1,"$insert_id":"i","v":${deep}}}`)),
    false,
  );
});

test("a distinct id is read as JSON.parse reads it: escapes, unicode, lone surrogates", () => {
  const scan = new EventScan();
  for (const id of ["plain", "日本語", "😀", "\ud800", 'quote"back\\slash', "line\nbreak", "\u0000", ""]) {
    for (const encode of [payloadOf, summarisedPayloadOf]) {
      const payload = encode({ event: "E", properties: { time: T, $insert_id: "i", distinct_id: id } }, true);
      assert.ok(assertAgrees(scan, payload), JSON.stringify(id));
      assert.equal(scan.distinctId, id);
      assert.equal(scan.insertIdGenerated, true);
    }
  }
});

test("a time is read as JSON.parse reads it, to the last bit, however it is written", () => {
  const scan = new EventScan();
  const rand = seededRandom(3);
  const written = [
    "1715644800.123",
    "-0",
    "0",
    "0.1",
    "0.30000000000000004",
    "123456789012345",
    "1234567890123456",
  ];
  written.push("1.5e3", "-2.5E-3", "9007199254740993", "0.000000000000001", "1715644800.999999");
  for (let k = 0; k < 2000; k++) {
    const whole = String(Math.floor(rand() * 10 ** Math.floor(rand() * 12)));
    const fraction = String(Math.floor(rand() * 10 ** Math.floor(rand() * 8))).padStart(
      Math.floor(rand() * 8),
      "0",
    );
    written.push(fraction === "" ? whole : `${rand() < 0.2 ? "-" : ""}${whole}.${fraction}`);
  }
  for (const time of written) {
    const record = `{"event":"E","properties":{"$insert_id":"i","time":${time}}}`;
    const summarised = Buffer.from(`{"k":"event","p":7,"t":1700000000123,"e":${time},"d":${record}}`);
    for (const payload of [rawPayload(record), summarised]) {
      assert.ok(assertAgrees(scan, payload), time);
      assert.ok(Object.is(scan.time, JSON.parse(time)), time);
    }
  }
});
