// The query benchmark's synthetic events, one day at a time: sessions of users drawn by activity,
// events a few seconds apart, names by weight with a little flow (a cart often leads to a
// purchase), and a "Signup" at a new user's first session. A day is held as columns and turned
// into StoredEvents a chunk at a time, so the whole data set never exists as row objects.

import type { JsonObject, Value } from "../src/expr/value.js";
import type { StoredEvent } from "../src/store/stored-event.js";
import { type Random, random } from "./query-random.js";
import { base36, drawUser, type Users } from "./query-users.js";
import { REFERRERS } from "./synthetic-stream.js";

export interface DataSetConfig {
  readonly seed: number;
  readonly events: number;
  readonly users: number;
  readonly days: number;
  /** The first day, "YYYY-MM-DD" (a Monday, so weeks are whole). */
  readonly startDay: string;
}

/** Index = event code in the benchmark's columns. */
export const EVENT_NAMES = [
  "Page View",
  "Button Click",
  "Search",
  "Add to Cart",
  "Purchase",
  "Signup",
  "Login",
  "Logout",
  "Video Play",
  "Video Pause",
  "Share",
  "Comment",
  "Like",
  "Error",
  "Download",
  "Rate",
  "Checkout Started",
  "Subscription Renewed",
  "Settings Changed",
  "Invite Sent",
];
const WEIGHTS = [30, 14, 8, 6, 3, 0, 4, 2, 5, 4, 2, 2, 5, 2, 2, 1, 3, 1, 2, 1];
const WEIGHT_TOTAL = WEIGHTS.reduce((a, b) => a + b, 0);
const ADD_TO_CART = 3;
const PURCHASE = 4;
export const SIGNUP = 5;
const CHECKOUT = 16;

/** One generated day: events in time order, `offsets[0]` is `firstOffset`, then one more per row. */
export interface DayEvents {
  readonly length: number;
  readonly firstOffset: number;
  readonly time: Float64Array;
  readonly user: Int32Array;
  readonly event: Uint8Array;
  /** Index into `sessions`. */
  readonly session: Int32Array;
  readonly sessions: readonly string[];
}

export function dayStartSeconds(config: DataSetConfig, day: number): number {
  return Date.parse(`${config.startDay}T00:00:00Z`) / 1000 + day * 86_400;
}

/** Events per day: weekends (days 5 and 6 of each week from a Monday) are quieter. */
export function eventsPerDay(config: DataSetConfig): number[] {
  const weights = Array.from({ length: config.days }, (_, d) => (d % 7 >= 5 ? 0.8 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((config.events * w) / total));
  counts[0] += config.events - counts.reduce((a, b) => a + b, 0);
  return counts;
}

function nextEvent(rand: Random, previous: number): number {
  if (previous === ADD_TO_CART && rand() < 0.3) return PURCHASE;
  if (previous === CHECKOUT && rand() < 0.5) return PURCHASE;
  let r = rand() * WEIGHT_TOTAL;
  for (let e = 0; e < WEIGHTS.length; e++) {
    r -= WEIGHTS[e];
    if (r < 0) return e;
  }
  return 0;
}

/** A user active on `day`; after 30 misses, the last one drawn (a rare stray event). */
function activeUser(rand: Random, users: Users, day: number): number {
  let u = 0;
  for (let tries = 0; tries < 30; tries++) {
    u = drawUser(rand, users.ids.length);
    if (users.firstDay[u] <= day && day <= users.lastDay[u]) return u;
  }
  return u;
}

/** The state carried from day to day. */
export class EventGenerator {
  private readonly rand: Random;
  private readonly signedUp: Uint8Array;
  private nextOffset = 0;

  constructor(
    private readonly config: DataSetConfig,
    private readonly users: Users,
  ) {
    this.rand = random(config.seed);
    this.signedUp = new Uint8Array(users.ids.length);
  }

  /** Day `day` (from 0) with `count` events. Call in day order. */
  day(day: number, count: number): DayEvents {
    const start = dayStartSeconds(this.config, day);
    const draft = {
      time: new Float64Array(count),
      user: new Int32Array(count),
      event: new Uint8Array(count),
    };
    const session = new Int32Array(count);
    const sessions: string[] = [];
    let n = 0;
    while (n < count) {
      const u = activeUser(this.rand, this.users, day);
      const signsUp = this.users.firstDay[u] >= 0 && this.users.firstDay[u] <= day && !this.signedUp[u];
      this.signedUp[u] = 1;
      const length = 1 + Math.floor(-Math.log(1 - this.rand()) * 5);
      let t = start + Math.floor(this.rand() * 86_000_000) / 1000;
      let previous = -1;
      for (let k = 0; k < length && n < count && t < start + 86_400; k++, n++) {
        previous = k === 0 && signsUp ? SIGNUP : nextEvent(this.rand, previous);
        // As ingest makes it from milliseconds: the double nearest to a whole number of ms.
        draft.time[n] = Math.round(t * 1000) / 1000;
        draft.user[n] = u;
        draft.event[n] = previous;
        session[n] = sessions.length;
        t += Math.floor(2000 + this.rand() * 90_000) / 1000;
      }
      sessions.push(base36(this.rand, 12));
    }
    const firstOffset = this.nextOffset;
    this.nextOffset += count;
    return { length: count, firstOffset, sessions, ...inTimeOrder(draft, session) };
  }
}

/** The columns permuted into time order (ties in generation order), as ingestion would see them. */
function inTimeOrder(
  draft: { time: Float64Array; user: Int32Array; event: Uint8Array },
  session: Int32Array,
): { time: Float64Array; user: Int32Array; event: Uint8Array; session: Int32Array } {
  const order = Array.from({ length: draft.time.length }, (_, i) => i);
  order.sort((a, b) => draft.time[a] - draft.time[b] || a - b);
  const out = {
    time: new Float64Array(order.length),
    user: new Int32Array(order.length),
    event: new Uint8Array(order.length),
    session: new Int32Array(order.length),
  };
  order.forEach((from, to) => {
    out.time[to] = draft.time[from];
    out.user[to] = draft.user[from];
    out.event[to] = draft.event[from];
    out.session[to] = session[from];
  });
  return out;
}

function eventProps(rand: Random, name: string, session: string, props: [string, Value][]): void {
  const page = ["", "pricing", "docs", "blog", "cart", "product"][Math.floor(rand() * 6)];
  props.push(["$current_url", `https://shop.example.com/${page}/${Math.floor(rand() * 40)}`]);
  props.push(["$referrer", REFERRERS[Math.floor(rand() * REFERRERS.length)]]);
  props.push(["session_id", session]);
  switch (name) {
    case "Purchase":
    case "Checkout Started":
    case "Subscription Renewed":
      props.push(["amount", Math.round(rand() ** 2 * 50000) / 100]);
      props.push(["currency", rand() < 0.6 ? "USD" : "EUR"]);
      props.push([
        "items",
        Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `sku-${Math.floor(rand() * 5000)}`),
      ]);
      props.push(["coupon", rand() < 0.8 ? null : `SAVE${Math.floor(rand() * 30)}`]);
      break;
    case "Add to Cart":
      props.push(["product_id", `sku-${Math.floor(rand() * 5000)}`]);
      props.push(["quantity", 1 + Math.floor(rand() * 4)]);
      props.push(["amount", Math.round(rand() * 20000) / 100]);
      break;
    case "Search":
      props.push(["search_term", `term ${Math.floor(rand() ** 3 * 20000)}`]);
      break;
    case "Video Play":
    case "Video Pause":
      props.push(["video_position", Math.round(rand() * 36000) / 10]);
      props.push(["is_first", rand() < 0.3]);
      break;
    case "Error":
      // Sent as a number by one SDK and as a string by another.
      props.push([
        "error_code",
        rand() < 0.5 ? 400 + Math.floor(rand() * 20) : `E${Math.floor(rand() * 50)}`,
      ]);
      break;
    case "Rate":
      props.push(["rating", 1 + Math.floor(rand() * 5)]);
      break;
    default:
      props.push(["duration", Math.round(rand() * 100000) / 1000]);
  }
}

/**
 * Rows `from` … `to` - 1 of a day as StoredEvents; `rand` must be the same stream, used in row
 * order, for the same events to come out. Every event has a client insert id, so the engine's
 * duplicate check runs as it would on real traffic, and none repeats, so nothing is dropped.
 */
export function storedEvents(
  day: DayEvents,
  users: Users,
  from: number,
  to: number,
  rand: Random,
): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let i = from; i < to; i++) {
    const name = EVENT_NAMES[day.event[i]];
    const props: [string, Value][] = [...users.props[day.user[i]]];
    eventProps(rand, name, day.sessions[day.session[i]], props);
    out.push({
      event: name,
      distinctId: users.ids[day.user[i]],
      time: day.time[i],
      insertId: base36(rand, 16),
      properties: Object.fromEntries(props) as JsonObject,
      offset: day.firstOffset + i,
    });
  }
  return out;
}
