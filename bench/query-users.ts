// The users of the query benchmark's data set: an id, the per-user properties every event of theirs
// carries, how active they are (a power law: the busiest user does about 1% of all events), and
// the days they are active on, so that retention has cohorts that fade out.

import type { Value } from "../src/expr/value.js";
import { type Random, random } from "./query-random.js";
import { BROWSERS, COUNTRIES, LIBS, OS, PLANS, REFERRERS, UTM } from "./synthetic-stream.js";

export interface Users {
  readonly ids: readonly string[];
  readonly country: Uint8Array;
  /** PLANS index, or PLANS.length for a user whose events carry no plan. */
  readonly plan: Uint8Array;
  /** First and last active day (0 = the first day of the range; negative: active before it). */
  readonly firstDay: Int16Array;
  readonly lastDay: Int16Array;
  /** The other per-user properties, as sent with every event. */
  readonly props: readonly (readonly [string, Value][])[];
}

export function hex(rand: Random, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

export function base36(rand: Random, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 36).toString(36);
  return s;
}

function uuid(rand: Random): string {
  return `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-${hex(rand, 4)}-${hex(rand, 12)}`;
}

function pick<T>(rand: Random, list: readonly T[], skew = 1): T {
  return list[Math.floor(rand() ** skew * list.length)];
}

function planOf(rand: Random): number {
  const r = rand();
  if (r < 0.05) return PLANS.length;
  if (r < 0.6) return 0;
  if (r < 0.85) return 1;
  return r < 0.97 ? 2 : 3;
}

function userProps(rand: Random, country: number, plan: number): [string, Value][] {
  const props: [string, Value][] = [
    ["$os", pick(rand, OS, 1.5)],
    ["$browser", pick(rand, BROWSERS)],
    ["$browser_version", pick(rand, [120, 121, 17.2, 16.6, 119, 122])],
    ["$city", `City ${Math.floor(rand() ** 2 * 2000)}`],
    ["$region", `Region ${Math.floor(rand() * 300)}`],
    ["country", COUNTRIES[country]],
    ["$screen_width", pick(rand, [1920, 1440, 390, 414, 1366, 1536])],
    ["$screen_height", pick(rand, [1080, 900, 844, 896, 768, 864])],
    ["$device_id", uuid(rand)],
    ["mp_lib", pick(rand, LIBS)],
    ["$lib_version", `2.${45 + Math.floor(rand() * 5)}.0`],
    ["$initial_referrer", pick(rand, REFERRERS)],
    ["is_beta", rand() < 0.1],
  ];
  if (plan < PLANS.length) props.push(["plan", PLANS[plan]]);
  if (rand() < 0.2) props.push(["utm_source", pick(rand, UTM)]);
  return props;
}

export function makeUsers(seed: number, count: number, days: number): Users {
  const rand = random(seed ^ 0x5eed);
  const ids: string[] = [];
  const country = new Uint8Array(count);
  const plan = new Uint8Array(count);
  const firstDay = new Int16Array(count);
  const lastDay = new Int16Array(count);
  const props: [string, Value][][] = [];
  for (let n = 0; n < count; n++) {
    country[n] = Math.floor(rand() ** 2 * COUNTRIES.length);
    plan[n] = planOf(rand);
    // Two thirds of the users were already active before the range; the rest sign up during it.
    firstDay[n] = rand() < 0.4 ? Math.floor(rand() * days) : -1 - Math.floor(rand() * 60);
    lastDay[n] = firstDay[n] + Math.floor(-Math.log(1 - rand()) * 40);
    ids.push(n % 3 === 0 ? `$device:${uuid(rand)}` : `user-${100000 + n}`);
    props.push(userProps(rand, country[n], plan[n]));
  }
  return { ids, country, plan, firstDay, lastDay, props };
}

/**
 * A user by activity: user n has weight 1 / (n + 10), drawn by inverting the continuous
 * distribution, so user 0 does about 1% of all events and the quietest about 0.001%.
 */
export function drawUser(rand: Random, count: number): number {
  const x0 = 10;
  const n = Math.floor(x0 * ((count + x0) / x0) ** rand() - x0);
  return n < count ? n : count - 1;
}
