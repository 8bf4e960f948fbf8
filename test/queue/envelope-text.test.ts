import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodeEnvelope,
  decodeEventWithText,
  EnvelopeError,
  type EventEnvelope,
  encodeEnvelope,
} from "../../src/queue/envelope.js";

function event(insertIdGenerated: boolean, properties: Record<string, unknown>): EventEnvelope {
  return {
    kind: "event",
    projectId: 12,
    receivedAt: 1_700_000_000_123,
    insertIdGenerated,
    record: { event: "Sign\u00fcp \ud800", properties: { time: 1.5, $insert_id: "i1", ...properties } },
  };
}

describe("decoding an event envelope together with its record's text", () => {
  test("gives what decodeEnvelope gives, and the exact text the record was parsed from", () => {
    for (const generated of [false, true]) {
      const properties = JSON.parse('{"__proto__": {"a": 1}, "n": 1e21, "s": "\\u0000\\"", "10": [1]}');
      const envelope = event(generated, properties);
      const payload = encodeEnvelope(envelope);
      const decoded = decodeEventWithText(payload);
      assert.ok(decoded !== undefined, "encodeEnvelope's layout is recognised");
      assert.deepEqual(decoded.envelope, decodeEnvelope(payload));
      assert.equal(decoded.recordText.toString("utf8"), JSON.stringify(envelope.record));
      const again = JSON.parse(decoded.recordText.toString("utf8"));
      assert.ok(Object.hasOwn(again.properties, "__proto__"), "__proto__ stays an own key");
    }
  });

  test("hands on the record's bytes as they are, -0 included", () => {
    const record = '{"event":"e","properties":{"time":1,"$insert_id":"x","z":-0,"w":1.0}}';
    const decoded = decodeEventWithText(Buffer.from(`{"k":"event","p":1,"t":5,"g":1,"d":${record}}`));
    assert.equal(decoded?.recordText.toString("utf8"), record);
    assert.equal(decoded?.envelope.insertIdGenerated, true);
    assert.ok(Object.is(decoded?.envelope.record.properties.z, -0));
  });

  test("finds the record past a summary, whatever its distinct id holds", () => {
    const record = '{"event":"e","properties":{"time":1,"$insert_id":"x","distinct_id":"\\",\\"d\\":"}}';
    const payload = Buffer.from(`{"k":"event","p":1,"t":5,"e":1,"i":"\\",\\"d\\":","d":${record}}`);
    const decoded = decodeEventWithText(payload);
    assert.equal(decoded?.recordText.toString("utf8"), record);
    assert.deepEqual(decoded?.envelope, decodeEnvelope(payload));
    assert.equal(decoded?.envelope.record.properties.distinct_id, '","d":');
  });

  test("leaves any other layout to decodeEnvelope", () => {
    const record = JSON.stringify(event(false, {}).record);
    const others = [
      `{"p":12,"k":"event","t":5,"d":${record}}`,
      `{"k":"event","p":12,"t":5,"d":${record},"x":1}`,
      `{"k":"event","p":12,"t":5.5,"d":${record}}`,
      `{"k":"event","p":012,"t":5,"d":${record}}`,
      `{"k":"event","p":1234567890123456,"t":5,"d":${record}}`,
      `{"k":"event", "p":12,"t":5,"d":${record}}`,
      `{"k":"engage","p":12,"t":5,"o":"$set","d":{"$distinct_id":"u","$set":{}}}`,
      `{"k":"event","p":12,"t":5,"d":${record}`,
      `{"k":"event","p":12,"t":5,"e":1,"i":"unclosed,"d":${record}}`,
      `{"k":"event","p":12,"t":5,"e":x,"d":${record}}`,
      `{"k":"event","p":12,"t":5,"i":"u","d":${record}}`,
    ];
    for (const text of others) assert.equal(decodeEventWithText(Buffer.from(text)), undefined, text);
  });

  test("refuses a well-laid-out envelope whose record is not an event, as decodeEnvelope does", () => {
    const payload = Buffer.from('{"k":"event","p":1,"t":5,"d":{"event":"e","properties":{"time":1}}}');
    assert.throws(() => decodeEventWithText(payload), EnvelopeError);
    assert.throws(() => decodeEnvelope(payload), EnvelopeError);
  });
});
