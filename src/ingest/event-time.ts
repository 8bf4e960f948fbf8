// Times as SDKs send them: seconds or milliseconds since the epoch, integer or fraction. A value
// above 10^11 is milliseconds (10^11 seconds is the year 5138; 10^11 ms is 1973).

const MILLISECONDS_ABOVE = 1e11;
/** 9999-12-31: beyond it a time can only be a unit mistake or garbage. */
export const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whole milliseconds since the epoch, or NaN when `time` is not a finite number. */
export function epochMilliseconds(time: unknown): number {
  if (typeof time !== "number" || !Number.isFinite(time)) return Number.NaN;
  return Math.round(time > MILLISECONDS_ABOVE ? time : time * 1000);
}
