import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodeEnvelope,
  type Envelope,
  EnvelopeError,
  encodeEnvelope,
  envelopeRecordBytes,
} from "../../src/queue/envelope.js";

describe("queue envelope", () => {
  test("an event envelope survives encoding and decoding, generated-id flag included", () => {
    const envelope: Envelope = {
      kind: "event",
      projectId: 7,
      receivedAt: 1_700_000_000_123,
      insertIdGenerated: true,
      record: {
        event: "Signup",
        properties: { time: 1_700_000_000.123, $insert_id: "abc", distinct_id: "u1", plan: "pro" },
      },
    };
    const payload = encodeEnvelope(envelope);
    assert.deepEqual(JSON.parse(payload.toString()), {
      k: "event",
      p: 7,
      t: 1_700_000_000_123,
      g: 1,
      e: 1_700_000_000.123,
      i: "u1",
      d: envelope.record,
    });
    assert.deepEqual(decodeEnvelope(payload), envelope);
  });

  test("an ordinary event's head sums up its time and distinct id; an identity event's does not", () => {
    const event = (name: string, properties: Record<string, unknown>) =>
      JSON.parse(
        encodeEnvelope({
          kind: "event",
          projectId: 1,
          receivedAt: 5,
          insertIdGenerated: false,
          record: { event: name, properties: { time: 1.5, $insert_id: "x", ...properties } },
        }).toString(),
      );
    const quoted = event("E", { distinct_id: 'a"\\\u0000' });
    assert.deepEqual([quoted.e, quoted.i], [1.5, 'a"\\\u0000']);
    const anonymous = event("E", {});
    assert.deepEqual([anonymous.e, Object.hasOwn(anonymous, "i")], [1.5, false]);
    for (const name of ["$create_alias", "$identify", "$merge"]) {
      const identity = event(name, { distinct_id: "u" });
      assert.ok(!Object.hasOwn(identity, "e") && !Object.hasOwn(identity, "i"), name);
    }
    // A record the decoder would refuse is not summed up either: the processor must decode it.
    assert.ok(!Object.hasOwn(event("E", { distinct_id: 5 }), "e"));
    assert.ok(!Object.hasOwn(event("E", { time: "1" }), "e"));
  });

  test("an event with its own $insert_id carries no generated flag", () => {
    const envelope: Envelope = {
      kind: "event",
      projectId: 1,
      receivedAt: 5,
      insertIdGenerated: false,
      record: { event: "e", properties: { time: 1, $insert_id: "x" } },
    };
    const payload = encodeEnvelope(envelope);
    assert.equal(JSON.parse(payload.toString()).g, undefined);
    assert.deepEqual(decodeEnvelope(payload), envelope);
  });

  test("the record's own bytes are the envelope's less its head, whatever the head's id holds", () => {
    const envelope: Envelope = {
      kind: "event",
      projectId: 1,
      receivedAt: 2,
      insertIdGenerated: false,
      record: { event: "e", properties: { time: 1, $insert_id: "i", distinct_id: 'x,"d":y' } },
    };
    const payload = encodeEnvelope(envelope);
    assert.ok(payload.toString().includes('"i":"x,\\"d\\":y"'), "the id is in the head");
    assert.equal(envelopeRecordBytes(payload), Buffer.byteLength(JSON.stringify(envelope.record)));
  });

  test("profile and group updates carry their operation", () => {
    const profile: Envelope = {
      kind: "engage",
      projectId: 3,
      receivedAt: 9,
      operation: "$set",
      record: { $distinct_id: "u1", $set: { plan: "pro" } },
    };
    const group: Envelope = {
      kind: "groups",
      projectId: 3,
      receivedAt: 9,
      operation: "$union",
      record: { $group_key: "company", $group_id: "c1", $union: { tags: ["a"] } },
    };
    assert.deepEqual(decodeEnvelope(encodeEnvelope(profile)), profile);
    assert.deepEqual(decodeEnvelope(encodeEnvelope(group)), group);
  });

  test("__proto__ keys inside a record stay data through a round trip", () => {
    const properties = JSON.parse('{"time":1,"$insert_id":"x","__proto__":{"polluted":true}}');
    const envelope: Envelope = {
      kind: "event",
      projectId: 1,
      receivedAt: 1,
      insertIdGenerated: false,
      record: { event: "e", properties },
    };
    const decoded = decodeEnvelope(encodeEnvelope(envelope));
    assert.ok(decoded.kind === "event");
    assert.ok(Object.hasOwn(decoded.record.properties, "__proto__"));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("decoding refuses payloads that are not envelopes, saying what is wrong", () => {
    const cases: Array<[string, RegExp]> = [
      ["not json", /not JSON/],
      ["[1]", /not a JSON object/],
      ['{"k":"event","p":"1","t":1,"d":{}}', /project id/],
      ['{"k":"event","p":1,"t":1}', /record/],
      ['{"k":"event","p":1,"t":1,"d":{"event":"e","properties":{"time":1}}}', /\$insert_id/],
      ['{"k":"other","p":1,"t":1,"d":{}}', /kind/],
      ['{"k":"engage","p":1,"t":1,"o":"$set","d":{"$distinct_id":"u"}}', /has no \$set/],
      ['{"k":"engage","p":1,"t":1,"o":"$nope","d":{"$distinct_id":"u"}}', /operation/],
      ['{"k":"groups","p":1,"t":1,"o":"$delete","d":{"$group_key":"c","$delete":""}}', /\$group_id/],
    ];
    for (const [payload, message] of cases) {
      assert.throws(
        () => decodeEnvelope(Buffer.from(payload)),
        (error: unknown) => {
          assert.ok(error instanceof EnvelopeError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });
});
