import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DayFinder } from "../../src/store/day.js";
import { EventStore } from "../../src/store/event-store.js";
import type { StoredEvent } from "../../src/store/stored-event.js";
import { removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const at = (iso: string) => Date.parse(iso) / 1000;

test("a day in the project's time zone begins and ends at local midnight on DST days", () => {
  const berlin = new DayFinder("Europe/Berlin");
  // 31 March 2024 has 23 hours in Berlin: 23:00Z on the 30th to 22:00Z on the 31st.
  assert.equal(berlin.dayOf(at("2024-03-30T22:59:59.999Z")), "2024-03-30");
  assert.equal(berlin.dayOf(at("2024-03-30T23:00:00Z")), "2024-03-31");
  assert.equal(berlin.dayOf(at("2024-03-31T21:59:59.999Z")), "2024-03-31");
  assert.equal(berlin.dayOf(at("2024-03-31T22:00:00Z")), "2024-04-01");
  // 27 October 2024 has 25 hours: 22:00Z on the 26th to 23:00Z on the 27th.
  assert.equal(berlin.dayOf(at("2024-10-26T21:59:59Z")), "2024-10-26");
  assert.equal(berlin.dayOf(at("2024-10-26T22:00:00Z")), "2024-10-27");
  assert.equal(berlin.dayOf(at("2024-10-27T22:59:59.999Z")), "2024-10-27");
  assert.equal(berlin.dayOf(at("2024-10-27T23:00:00Z")), "2024-10-28");
});

test("zones whose clocks jump at midnight or by half and quarter hours get the right day", () => {
  // São Paulo sprang forward at midnight on 4 November 2018: that day began at 01:00 local (03:00Z).
  const saoPaulo = new DayFinder("America/Sao_Paulo");
  assert.equal(saoPaulo.dayOf(at("2018-11-04T02:59:59Z")), "2018-11-03");
  assert.equal(saoPaulo.dayOf(at("2018-11-04T03:00:00Z")), "2018-11-04");
  const kathmandu = new DayFinder("Asia/Kathmandu");
  assert.equal(kathmandu.dayOf(at("2024-05-01T18:14:59Z")), "2024-05-01");
  assert.equal(kathmandu.dayOf(at("2024-05-01T18:15:00Z")), "2024-05-02");
  const lordHowe = new DayFinder("Australia/Lord_Howe");
  assert.equal(lordHowe.dayOf(at("2024-01-10T12:59:59Z")), "2024-01-10");
  assert.equal(lordHowe.dayOf(at("2024-01-10T13:00:00Z")), "2024-01-11");
});

test("an unknown time zone is refused by name", () => {
  assert.throws(() => new DayFinder("Mars/Olympus"), { code: "store_invalid", message: /Mars\/Olympus/ });
});

test("events of a 23-hour day land in that day's partition", async () => {
  const store = await EventStore.open(tempDir(), { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    const times = [
      "2024-03-30T22:59:59Z",
      "2024-03-30T23:00:00Z",
      "2024-03-31T21:59:59Z",
      "2024-03-31T22:00:00Z",
    ];
    const events: StoredEvent[] = times.map((iso, i) => ({
      event: "e",
      distinctId: "u",
      time: at(iso),
      insertId: null,
      properties: {},
      offset: i,
    }));
    await store.append(3, "Europe/Berlin", events);
    assert.deepEqual(store.days(3), ["2024-03-30", "2024-03-31", "2024-04-01"]);
    const snapshot = store.partitions(3, "2024-03-31", "2024-03-31");
    try {
      const [day] = snapshot.partitions;
      assert.deepEqual(Array.from(day.batches[0].offsets), [1, 2]);
    } finally {
      snapshot.release();
    }
  } finally {
    await store.close();
  }
});
