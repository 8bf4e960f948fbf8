// The project's time zone: how datetimes are shown and how zone-less strings are read, including
// the days when clocks change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate } from "../../src/expr/interpret.js";
import { parse } from "../../src/expr/parser.js";
import {
  formatLocal,
  isValidTimeZone,
  wallToEpochSeconds,
  zoneOffsetSeconds,
} from "../../src/expr/timezone.js";

const at = (iso: string) => Date.parse(iso) / 1000;

function run(source: string, timeZone: string, time?: number) {
  const properties = time === undefined ? {} : { time };
  return evaluate(parse(source), { properties }, { now: 0, timeZone });
}

describe("datetimes shown in the project's zone", () => {
  it("writes string(datetime) on Berlin's wall clock, winter and summer", () => {
    assert.equal(
      run('string(properties["time"])', "Europe/Berlin", at("2024-01-02T03:04:05Z")),
      "2024-01-02T04:04:05",
    );
    assert.equal(
      run('string(properties["time"])', "Europe/Berlin", at("2024-07-02T03:04:05Z")),
      "2024-07-02T05:04:05",
    );
    assert.equal(run('string(properties["time"])', "UTC", at("2024-07-02T03:04:05Z")), "2024-07-02T03:04:05");
  });

  it("shows the hour after the spring change and the repeated hour in autumn", () => {
    assert.equal(formatLocal(at("2024-03-31T00:59:59Z"), "Europe/Berlin"), "2024-03-31T01:59:59");
    assert.equal(formatLocal(at("2024-03-31T01:00:00Z"), "Europe/Berlin"), "2024-03-31T03:00:00");
    assert.equal(formatLocal(at("2024-10-27T00:30:00Z"), "Europe/Berlin"), "2024-10-27T02:30:00");
    assert.equal(formatLocal(at("2024-10-27T01:30:00Z"), "Europe/Berlin"), "2024-10-27T02:30:00");
  });

  it("writes datetimes inside a list in the zone too", () => {
    assert.equal(run("string([datetime(1704164645)])", "America/New_York"), '["2024-01-01T22:04:05"]');
  });

  it("knows the offsets of a zone with a half-hour offset", () => {
    assert.equal(zoneOffsetSeconds(at("2024-01-01T00:00:00Z"), "Asia/Kolkata"), 19800);
  });
});

describe("zone-less strings read in the project's zone", () => {
  it("reads a date as local midnight", () => {
    assert.equal(run('number(datetime("2024-01-02"))', "Europe/Berlin"), at("2024-01-01T23:00:00Z"));
    assert.equal(run('number(datetime("2024-07-02"))', "Europe/Berlin"), at("2024-07-01T22:00:00Z"));
  });

  it("makes the spring day 23 hours long and the autumn day 25", () => {
    assert.equal(run('datetime("2024-04-01") - datetime("2024-03-31")', "Europe/Berlin"), 23 * 3600);
    assert.equal(run('datetime("2024-10-28") - datetime("2024-10-27")', "Europe/Berlin"), 25 * 3600);
  });

  it("reads a skipped wall time with the offset from before the change", () => {
    assert.equal(run('string(datetime("2024-03-31T02:30:00"))', "Europe/Berlin"), "2024-03-31T03:30:00");
  });

  it("reads a repeated wall time as the earlier instant", () => {
    assert.equal(wallToEpochSeconds(at("2024-10-27T02:30:00Z"), "Europe/Berlin"), at("2024-10-27T00:30:00Z"));
  });

  it("round-trips a wall time through string()", () => {
    assert.equal(run('string(datetime("2024-11-03T01:59:59"))', "America/New_York"), "2024-11-03T01:59:59");
    assert.equal(run('string(datetime("0999-05-06T07:08:09"))', "Europe/Berlin"), "0999-05-06T07:08:09");
  });

  it("ignores the project's zone when the string has an offset", () => {
    assert.equal(
      run('number(datetime("2024-01-02T00:00:00Z"))', "Europe/Berlin"),
      at("2024-01-02T00:00:00Z"),
    );
  });
});

describe("zone names", () => {
  it("tells IANA zones from other names", () => {
    assert.equal(isValidTimeZone("Europe/Berlin"), true);
    assert.equal(isValidTimeZone("Mars/Olympus"), false);
  });
});
