// Buckets of a range in the project's zone: labels, boundaries and the instants they hold, on
// ordinary days and on the days clocks change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bucketIndex,
  bucketsOf,
  dayNumberOf,
  daysSpan,
  extendSpan,
  formatDay,
  localDay,
  spanOf,
  type Unit,
} from "../../src/query/time-buckets.js";
import { at } from "./dataset-builder.js";

function bucketsForDays(from: string, to: string, unit: Unit, zone: string) {
  const day = (s: string) =>
    dayNumberOf(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10)));
  return bucketsOf(daysSpan(day(from), day(to), zone), unit, zone);
}

function labelAt(buckets: ReturnType<typeof bucketsOf>, iso: string): string | undefined {
  const i = bucketIndex(buckets, at(iso));
  return i < 0 ? undefined : buckets.labels[i];
}

describe("day buckets", () => {
  it("begins and ends each day at local midnight, so a Berlin day starts at 23:00 UTC in winter", () => {
    const b = bucketsForDays("2024-01-10", "2024-01-11", "day", "Europe/Berlin");
    assert.deepEqual(b.labels, ["2024-01-10", "2024-01-11"]);
    assert.equal(labelAt(b, "2024-01-09T22:59:59Z"), undefined);
    assert.equal(labelAt(b, "2024-01-09T23:00:00Z"), "2024-01-10");
    assert.equal(labelAt(b, "2024-01-10T22:59:59.999Z"), "2024-01-10");
    assert.equal(labelAt(b, "2024-01-10T23:00:00Z"), "2024-01-11");
    assert.equal(labelAt(b, "2024-01-11T23:00:00Z"), undefined);
  });

  it("makes Berlin's spring-forward day 23 hours long and its autumn day 25", () => {
    const spring = bucketsForDays("2024-03-31", "2024-03-31", "day", "Europe/Berlin");
    assert.equal(spring.span.end - spring.span.start, 23 * 3600);
    const autumn = bucketsForDays("2024-10-27", "2024-10-27", "day", "Europe/Berlin");
    assert.equal(autumn.span.end - autumn.span.start, 25 * 3600);
    assert.equal(labelAt(autumn, "2024-10-27T22:59:59Z"), "2024-10-27");
  });

  it("puts New York's evening in the local day, on both sides of the March change", () => {
    const b = bucketsForDays("2024-03-09", "2024-03-11", "day", "America/New_York");
    assert.equal(labelAt(b, "2024-03-10T04:59:59Z"), "2024-03-09");
    assert.equal(labelAt(b, "2024-03-10T05:00:00Z"), "2024-03-10");
    assert.equal(labelAt(b, "2024-03-11T03:59:59Z"), "2024-03-10");
    assert.equal(labelAt(b, "2024-03-11T04:00:00Z"), "2024-03-11");
  });
});

describe("hour buckets", () => {
  it("skips 02:00 on Berlin's spring-forward day: 23 labels", () => {
    const b = bucketsForDays("2024-03-31", "2024-03-31", "hour", "Europe/Berlin");
    assert.equal(b.labels.length, 23);
    assert.deepEqual(b.labels.slice(0, 3), [
      "2024-03-31 00:00:00",
      "2024-03-31 01:00:00",
      "2024-03-31 03:00:00",
    ]);
    assert.equal(labelAt(b, "2024-03-31T00:59:59Z"), "2024-03-31 01:00:00");
    assert.equal(labelAt(b, "2024-03-31T01:00:00Z"), "2024-03-31 03:00:00");
  });

  it("makes Berlin's repeated 02:00 hour in autumn one bucket holding both passes", () => {
    const b = bucketsForDays("2024-10-27", "2024-10-27", "hour", "Europe/Berlin");
    assert.equal(b.labels.length, 24);
    assert.equal(labelAt(b, "2024-10-27T00:30:00Z"), "2024-10-27 02:00:00");
    assert.equal(labelAt(b, "2024-10-27T01:30:00Z"), "2024-10-27 02:00:00");
    assert.equal(labelAt(b, "2024-10-27T02:00:00Z"), "2024-10-27 03:00:00");
  });

  it("follows New York's November change: 01:00 is one bucket two hours long", () => {
    const b = bucketsForDays("2024-11-03", "2024-11-03", "hour", "America/New_York");
    assert.equal(b.labels.length, 24);
    assert.equal(labelAt(b, "2024-11-03T05:00:00Z"), "2024-11-03 01:00:00");
    assert.equal(labelAt(b, "2024-11-03T06:59:59Z"), "2024-11-03 01:00:00");
    assert.equal(labelAt(b, "2024-11-03T07:00:00Z"), "2024-11-03 02:00:00");
  });

  it("labels minutes with seconds, and gives every minute of the repeated hour one bucket", () => {
    const b = bucketsForDays("2024-10-27", "2024-10-27", "minute", "Europe/Berlin");
    assert.equal(b.labels.length, 24 * 60);
    assert.equal(labelAt(b, "2024-10-27T00:05:10Z"), "2024-10-27 02:05:00");
    assert.equal(labelAt(b, "2024-10-27T01:05:59Z"), "2024-10-27 02:05:00");
  });
});

describe("week and month buckets", () => {
  it("starts weeks on Monday and labels a cut first week by its Monday", () => {
    // 2024-01-03 is a Wednesday; 2024-01-08 and 2024-01-15 are Mondays.
    const b = bucketsForDays("2024-01-03", "2024-01-15", "week", "UTC");
    assert.deepEqual(b.labels, ["2024-01-01", "2024-01-08", "2024-01-15"]);
    assert.equal(labelAt(b, "2024-01-07T23:59:59Z"), "2024-01-01");
    assert.equal(labelAt(b, "2024-01-08T00:00:00Z"), "2024-01-08");
    assert.equal(labelAt(b, "2024-01-02T12:00:00Z"), undefined);
  });

  it("labels months by their first day, in the project's zone", () => {
    const b = bucketsForDays("2024-01-15", "2024-03-02", "month", "America/New_York");
    assert.deepEqual(b.labels, ["2024-01-01", "2024-02-01", "2024-03-01"]);
    assert.equal(labelAt(b, "2024-02-01T04:59:59Z"), "2024-01-01");
    assert.equal(labelAt(b, "2024-02-01T05:00:00Z"), "2024-02-01");
  });
});

describe("periods", () => {
  const now = at("2024-01-31T12:00:00Z");

  it("reads interval=3 with unit=day as today and the two days before it", () => {
    const span = spanOf({ kind: "last", units: 3 }, "day", now, "UTC");
    assert.deepEqual(span, { start: at("2024-01-29T00:00:00Z"), end: at("2024-02-01T00:00:00Z") });
  });

  it("reads interval=2 with unit=week as this week and last, whole", () => {
    const span = spanOf({ kind: "last", units: 2 }, "week", now, "UTC");
    assert.deepEqual(span, { start: at("2024-01-22T00:00:00Z"), end: at("2024-02-05T00:00:00Z") });
  });

  it("extends a span by whole units past its last one, for retention's later buckets", () => {
    const span = daysSpan(dayNumberOf(2024, 1, 1), dayNumberOf(2024, 1, 10), "UTC");
    assert.equal(extendSpan(span, "week", 2, "UTC").end, at("2024-01-29T00:00:00Z"));
    assert.equal(extendSpan(span, "day", 2, "UTC").end, at("2024-01-13T00:00:00Z"));
  });

  it("names the local date of an instant", () => {
    assert.equal(formatDay(localDay(at("2024-01-31T23:30:00Z"), "Europe/Berlin")), "2024-02-01");
    assert.equal(formatDay(localDay(at("2024-01-31T23:30:00Z"), "UTC")), "2024-01-31");
  });
});
