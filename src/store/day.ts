// The day an event belongs to: its date in the project's time zone, "YYYY-MM-DD". Intl does the
// calendar work (DST days of 23 or 25 hours included). Formatting is slow, so answers are cached
// per quarter hour: every zone in use since 1972 changes its offset on quarter hours, and a quarter
// hour whose first and last millisecond fall on one date lies wholly on it (otherwise each time is
// formatted by itself).

import { StoreError } from "./errors.js";

const QUARTER_HOUR_MS = 15 * 60 * 1000;
const CACHE_LIMIT = 100_000;
/** The range of a JavaScript Date, less a day so the quarter hours around a time are dates too. */
const MAX_MS = 8.64e15 - 86_400_000;

export class DayFinder {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, string>();

  constructor(readonly timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hourCycle: "h23",
      });
    } catch {
      throw new StoreError("store_invalid", `unknown time zone ${JSON.stringify(timeZone)}`);
    }
  }

  private dateAt(ms: number): string {
    let year = "";
    let month = "";
    let day = "";
    for (const part of this.format.formatToParts(ms)) {
      if (part.type === "year") year = part.value;
      else if (part.type === "month") month = part.value;
      else if (part.type === "day") day = part.value;
    }
    return `${year.padStart(4, "0")}-${month}-${day}`;
  }

  /** The day of a time given in seconds since the epoch. */
  dayOf(seconds: number): string {
    const ms = seconds * 1000;
    if (!(Math.abs(ms) <= MAX_MS)) throw new StoreError("store_invalid", `time ${seconds} is out of range`);
    const quarter = Math.floor(ms / QUARTER_HOUR_MS);
    const cached = this.cache.get(quarter);
    if (cached !== undefined) return cached;
    const first = this.dateAt(quarter * QUARTER_HOUR_MS);
    const last = this.dateAt((quarter + 1) * QUARTER_HOUR_MS - 1);
    if (first !== last) return this.dateAt(ms);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(quarter, first);
    return first;
  }
}
