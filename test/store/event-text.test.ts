import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { crc32 } from "node:zlib";
import type { JsonObject } from "../../src/expr/value.js";
import { EventStore } from "../../src/store/event-store.js";
import type { EventText, StoredEvent } from "../../src/store/stored-event.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";
import { exactText, readAll, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const T = Date.UTC(2024, 2, 9, 12) / 1000;

/** An event as the processor hands it over: its Mixpanel JSON text and the fields filed by. */
function text(
  offset: number,
  json: string,
  distinctId: string,
  sent: string | null,
  generated = false,
): EventText {
  const time = JSON.parse(json).properties.time as number;
  return {
    offset,
    distinctId,
    originalDistinctId: sent,
    time,
    insertIdGenerated: generated,
    text: Buffer.from(json, "utf8"),
  };
}

const SENT: readonly EventText[] = [
  text(
    0,
    `{"event":"Sign\\u00fcp","properties":{"time":${T},"distinct_id":"anon-1","$insert_id":"i0","__proto__":{"x":-0},"10":[1e21,null],"a":"\\ud800"}}`,
    "user-1",
    "anon-1",
  ),
  text(
    1,
    `{"event":"Buy","properties":{"$insert_id":"gen-1","time":${T + 0.001},"price":-0}}`,
    "\ud83d",
    null,
    true,
  ),
  text(2, `{"event":"Buy","properties":{"time":${T + 1}}}`, "", null, true),
];

function expected(): StoredEvent[] {
  const props = (json: string) => JSON.parse(json) as JsonObject;
  return [
    {
      event: "Signüp",
      distinctId: "user-1",
      originalDistinctId: "anon-1",
      time: T,
      insertId: "i0",
      properties: props('{"10":[1e21,null],"__proto__":{"x":-0},"a":"\\ud800"}'),
      offset: 0,
    },
    {
      event: "Buy",
      distinctId: "\ud83d",
      time: T + 0.001,
      insertId: null,
      properties: props('{"price":-0}'),
      offset: 1,
    },
    { event: "Buy", distinctId: "", time: T + 1, insertId: null, properties: {}, offset: 2 },
  ];
}

function assertExact(store: EventStore, stage: string): void {
  const rows = readAll(store, 1);
  assert.deepStrictEqual(rows, expected(), stage);
  assert.deepEqual(exactText(rows), exactText(expected()), `${stage}: -0 and key order`);
}

test("events appended with their text read back exactly, system fields lifted out, from the buffer, a segment and after reopening", async () => {
  const dir = tempDir();
  let store = await EventStore.open(dir, { maintenanceIntervalMs: 0 });
  try {
    assert.equal(await store.appendText(1, "UTC", SENT), 3);
    assert.equal(await store.appendText(1, "UTC", SENT), 0, "a replay adds nothing");
    assertExact(store, "buffer");
    await store.sealAll();
    assertExact(store, "sealed");
  } finally {
    await store.close();
  }
  store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    assertExact(store, "reopened");
    await store.appendText(1, "UTC", [text(3, `{"event":"e","properties":{"time":${T}}}`, "z", null, true)]);
    await store.close();
    store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
    assert.equal(readAll(store, 1).length, 4, "a buffer replayed from its write-ahead file");
  } finally {
    await store.close();
  }
});

test("a version 1 write-ahead file, as an earlier release left it, is replayed and sealed", async () => {
  const dir = tempDir();
  const events = randomEvents(seededRandom(77), 40, 0, T, 1).filter((e) => e.time < T + 43_000);
  const day = join(dir, "1", "2024-03-09");
  mkdirSync(day, { recursive: true });
  const records = events.map((e) => [
    e.offset,
    e.event,
    e.distinctId,
    e.originalDistinctId ?? null,
    e.time,
    e.insertId,
    e.properties,
  ]);
  const payload = Buffer.from(JSON.stringify(records), "utf8");
  const frame = Buffer.alloc(8 + payload.length);
  frame.writeUInt32LE(payload.length, 4);
  payload.copy(frame, 8);
  frame.writeUInt32LE(crc32(frame.subarray(4)), 0);
  const header = Buffer.alloc(12);
  header.write("TALLYWAL", 0, "latin1");
  header.writeUInt32LE(1, 8);
  writeFileSync(join(day, "wal-000001.log"), Buffer.concat([header, frame]));
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    // JSON.stringify wrote -0 as 0 above, as the version 1 writer did not: compare as parsed back.
    const sent = JSON.parse(JSON.stringify(events));
    assert.deepStrictEqual(JSON.parse(JSON.stringify(readAll(store, 1))), sent, "replayed");
    await store.sealAll();
    assert.deepStrictEqual(JSON.parse(JSON.stringify(readAll(store, 1))), sent, "sealed");
  } finally {
    await store.close();
  }
});

test("an event given with its text is refused with its index and field when a field is wrong", async () => {
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    const good = SENT[0];
    const cases: [Partial<Record<keyof EventText, unknown>>, RegExp][] = [
      [{ time: Number.POSITIVE_INFINITY }, /event 1: time/],
      [{ distinctId: 5 }, /event 1: distinctId/],
      [{ originalDistinctId: undefined }, /event 1: originalDistinctId/],
      [{ insertIdGenerated: "no" }, /event 1: insertIdGenerated/],
      [{ text: "{}" }, /event 1: text/],
      [{ offset: -1 }, /event 1: offset/],
    ];
    for (const [change, message] of cases) {
      const bad = { ...SENT[1], ...change } as EventText;
      await assert.rejects(store.appendText(1, "UTC", [good, bad]), { code: "store_invalid", message });
    }
    assert.deepEqual(readAll(store, 1), [], "nothing of a refused batch is stored");
  } finally {
    await store.close();
  }
});

test("a stored event whose properties hold a system field is refused rather than losing it", async () => {
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    const [event] = randomEvents(seededRandom(5), 1, 0, T);
    for (const key of ["time", "distinct_id", "$insert_id"]) {
      const bad = { ...event, properties: { ...event.properties, [key]: 1 } };
      await assert.rejects(store.append(1, "UTC", [bad]), {
        code: "store_invalid",
        message: new RegExp(key.replace("$", "\\$")),
      });
    }
  } finally {
    await store.close();
  }
});

test("seals and compactions running side by side show every row exactly once", async () => {
  const dir = tempDir();
  const events = randomEvents(seededRandom(31), 1200, 0, T, 1).filter((e) => e.time < T + 43_000);
  const store = await EventStore.open(dir, {
    sealRows: 60,
    compactMinSegments: 2,
    maxSegmentRows: 400,
    maintenanceIntervalMs: 1,
  });
  try {
    for (let at = 0; at < events.length; at += 20) {
      await store.append(1, "UTC", events.slice(at, at + 20));
      const compacting = store.compact();
      const offsets = readAll(store, 1).map((e) => e.offset);
      const count = Math.min(at + 20, events.length);
      assert.deepEqual(
        offsets,
        Array.from({ length: count }, (_, i) => events[i].offset),
        `after ${count}`,
      );
      await compacting;
    }
    await store.sealAll();
    await store.compact();
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
});
