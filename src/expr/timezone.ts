// Wall-clock time in a project's IANA zone, from Intl alone: the offset at an instant, an instant
// shown as local `YYYY-MM-DDTHH:MM:SS`, and a local wall time turned back into an instant (correct
// across daylight-saving changes). All times are whole Unix seconds.

/**
 * Latest (and, negated, earliest) datetime, in seconds: JavaScript's Date range less two days, so
 * that a datetime, its wall time in any zone and the day around it can all be shown by Intl.
 */
export const MAX_DATETIME_SECONDS = 8.64e12 - 2 * 86400;

/** 400 Gregorian years are exactly this many days; used to step around Date.UTC's 1900s quirk. */
const DAYS_PER_400_YEARS = 146097;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

function isUtc(zone: string): boolean {
  return zone === "UTC" || zone === "Etc/UTC";
}

/** True when Intl knows the zone (a project or CLI flag should be checked before use). */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** Unix seconds of a wall time read as UTC; years 0-99 are real years, not 1900-1999. */
export function utcSecondsOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  if (year >= 0 && year <= 99) {
    return Date.UTC(year + 400, month - 1, day, hour, minute, second) / 1000 - DAYS_PER_400_YEARS * 86400;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
}

/** Seconds to add to UTC to get the zone's wall time at this instant. */
export function zoneOffsetSeconds(epochSeconds: number, zone: string): number {
  if (isUtc(zone)) return 0;
  const fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  let beforeChrist = false;
  for (const part of formatterFor(zone).formatToParts(epochSeconds * 1000)) {
    if (part.type === "era") beforeChrist = part.value.startsWith("B");
    else if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const year = beforeChrist ? 1 - fields.year : fields.year;
  const wall = utcSecondsOf(year, fields.month, fields.day, fields.hour, fields.minute, fields.second);
  return wall - epochSeconds;
}

function pad(n: number, width: number): string {
  const digits = String(Math.abs(n)).padStart(width, "0");
  return n < 0 ? `-${digits}` : digits;
}

/** `YYYY-MM-DDTHH:MM:SS` of the instant on the zone's wall clock. */
export function formatLocal(epochSeconds: number, zone: string): string {
  const wall = new Date((epochSeconds + zoneOffsetSeconds(epochSeconds, zone)) * 1000);
  return (
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1, 2)}-${pad(wall.getUTCDate(), 2)}` +
    `T${pad(wall.getUTCHours(), 2)}:${pad(wall.getUTCMinutes(), 2)}:${pad(wall.getUTCSeconds(), 2)}`
  );
}

/**
 * The instant a wall time (given as its UTC reading) names in the zone. Around a change of offset
 * a wall time may name two instants (clocks set back: the earlier wins) or none (clocks set forward:
 * it is read with the offset from before the change, so 02:30 in a skipped hour is 03:30), the
 * choices of Temporal's "compatible" disambiguation.
 */
export function wallToEpochSeconds(wallSeconds: number, zone: string): number {
  if (isUtc(zone)) return wallSeconds;
  const before = zoneOffsetSeconds(wallSeconds - 86400, zone);
  const after = zoneOffsetSeconds(wallSeconds + 86400, zone);
  const early = wallSeconds - before;
  const late = wallSeconds - after;
  const earlyFits = zoneOffsetSeconds(early, zone) === before;
  const lateFits = zoneOffsetSeconds(late, zone) === after;
  if (earlyFits && lateFits) return Math.min(early, late);
  if (earlyFits) return early;
  if (lateFits) return late;
  return early;
}
