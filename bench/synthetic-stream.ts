// A realistic stream of queue envelopes, as ingest writes them for one project's busy day: 20 event
// names with skewed frequencies, about 30 properties of mixed kinds (per-user device and location
// properties, per-event pages, amounts, lists, objects, a property whose kind changes), 100,000
// users in sessions. A third of the users start anonymous ($device:…) and later identify; a few
// create aliases; about one record in a hundred is a profile update. Deterministic (seeded).

import { type Envelope, encodeEnvelope } from "../src/queue/envelope.js";
import { random } from "./query-random.js";

export const USERS = 100_000;
export const PROJECT_ID = 1;
export const TOKEN = "bench-token";

export const EVENTS: readonly [string, number][] = [
  ["Page View", 30],
  ["Button Click", 14],
  ["Search", 8],
  ["Add to Cart", 6],
  ["Purchase", 3],
  ["Signup", 1],
  ["Login", 4],
  ["Logout", 2],
  ["Video Play", 5],
  ["Video Pause", 4],
  ["Share", 2],
  ["Comment", 2],
  ["Like", 5],
  ["Error", 2],
  ["Download", 2],
  ["Rate", 1],
  ["Checkout Started", 3],
  ["Subscription Renewed", 1],
  ["Settings Changed", 2],
  ["Invite Sent", 1],
];

export const OS = ["Windows", "Mac OS X", "iOS", "Android", "Linux"];
export const BROWSERS = ["Chrome", "Safari", "Firefox", "Edge", "Mobile Safari", "Samsung Internet"];
export const COUNTRIES = [
  "US",
  "DE",
  "GB",
  "FR",
  "IN",
  "BR",
  "JP",
  "CA",
  "NL",
  "ES",
  "IT",
  "PL",
  "SE",
  "AU",
  "MX",
];
export const LIBS = ["web", "iphone", "android"];
/** Index = code in the query benchmark's columns; users without a plan have code PLANS.length. */
export const PLANS = ["free", "starter", "pro", "enterprise"];
const ZONES = ["America/New_York", "Europe/Berlin", "Europe/London", "Asia/Tokyo", "America/Sao_Paulo"];
export const REFERRERS = [
  "$direct",
  "https://www.google.com/",
  "https://t.co/",
  "https://www.facebook.com/",
  "https://news.ycombinator.com/",
];
export const UTM = ["newsletter", "google", "twitter", "partner"];
const PAGES = ["", "pricing", "docs", "blog", "cart", "product"];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

function text(rand: () => number, n: number, radix: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(rand() * radix).toString(radix);
  return s;
}

function uuid(rand: () => number): string {
  return `${text(rand, 8, 16)}-${text(rand, 4, 16)}-4${text(rand, 3, 16)}-${text(rand, 4, 16)}-${text(rand, 12, 16)}`;
}

interface User {
  readonly userId: string;
  /** The device id the user sends until identified; null for users known from the start. */
  readonly anonId: string | null;
  identified: boolean;
  readonly props: readonly [string, unknown][];
}

function makeUser(rand: () => number, n: number): User {
  const props: [string, unknown][] = [
    ["$os", OS[Math.floor(rand() ** 1.5 * OS.length)]],
    ["$browser", pick(rand, BROWSERS)],
    ["$browser_version", pick(rand, [120, 121, 17.2, 16.6, 119, 122])],
    ["$city", `City ${Math.floor(rand() ** 2 * 2000)}`],
    ["$region", `Region ${Math.floor(rand() * 300)}`],
    ["country", COUNTRIES[Math.floor(rand() ** 2 * COUNTRIES.length)]],
    ["$screen_width", pick(rand, [1920, 1440, 390, 414, 1366, 1536])],
    ["$screen_height", pick(rand, [1080, 900, 844, 896, 768, 864])],
    ["$device_id", uuid(rand)],
    ["mp_lib", pick(rand, LIBS)],
    ["$lib_version", `2.${45 + Math.floor(rand() * 5)}.0`],
    ["$initial_referrer", pick(rand, REFERRERS)],
    ["$timezone", pick(rand, ZONES)],
    ["$has_touch", rand() < 0.4],
    ["plan", PLANS[Math.floor(rand() ** 2 * PLANS.length)]],
    ["app_build", 3000 + Math.floor(rand() * 40)],
    ["experiments", rand() < 0.5 ? ["new-nav"] : ["new-nav", "checkout-v2"]],
  ];
  if (rand() < 0.2) props.push(["utm_source", pick(rand, UTM)]);
  const anonId = n % 3 === 0 ? `$device:${uuid(rand)}` : null;
  return { userId: `user-${100000 + n}`, anonId, identified: anonId === null, props };
}

function pickEvent(rand: () => number): string {
  let r = rand() * 100;
  for (const [name, weight] of EVENTS) {
    r -= weight;
    if (r < 0) return name;
  }
  return EVENTS[0][0];
}

function eventProps(rand: () => number, name: string, props: Record<string, unknown>): void {
  props.$current_url = `https://shop.example.com/${pick(rand, PAGES)}/${Math.floor(rand() * 40)}`;
  props.$referrer = pick(rand, REFERRERS);
  switch (name) {
    case "Purchase":
    case "Checkout Started":
    case "Subscription Renewed":
      props.amount = Math.round(rand() ** 2 * 50000) / 100;
      props.currency = rand() < 0.6 ? "USD" : "EUR";
      props.items = Array.from(
        { length: 1 + Math.floor(rand() * 3) },
        () => `sku-${Math.floor(rand() * 5000)}`,
      );
      props.coupon = rand() < 0.8 ? null : `SAVE${Math.floor(rand() * 30)}`;
      break;
    case "Add to Cart":
      props.product_id = `sku-${Math.floor(rand() * 5000)}`;
      props.quantity = 1 + Math.floor(rand() * 4);
      props.amount = Math.round(rand() * 20000) / 100;
      break;
    case "Search":
      props.search_term = `term ${Math.floor(rand() ** 3 * 20000)}`;
      break;
    case "Video Play":
    case "Video Pause":
      props.video_position = Math.round(rand() * 36000) / 10;
      props.is_first = rand() < 0.3;
      break;
    case "Error":
      // Sent as a number by one SDK and as a string by another.
      props.error_code = rand() < 0.5 ? 400 + Math.floor(rand() * 20) : `E${Math.floor(rand() * 50)}`;
      break;
    case "Rate":
      props.rating = 1 + Math.floor(rand() * 5);
      break;
    case "Settings Changed":
      props.settings = { theme: rand() < 0.5 ? "dark" : "light", notifications: rand() < 0.5 };
      break;
    case "Button Click":
      props.button_id = `btn-${Math.floor(rand() * 50)}`;
      break;
    default:
      props.duration = Math.round(rand() * 100000) / 1000;
  }
}

/** Writes the stream's envelopes, `count` of them, to `sink` in chunks as it makes them. */
export class SyntheticStream {
  private readonly rand = random(2024);
  private readonly users: User[] = [];
  private time: number;
  private session = "";
  private sessionLeft = 0;
  private user!: User;

  constructor(dayStartSeconds: number) {
    for (let n = 0; n < USERS; n++) this.users.push(makeUser(this.rand, n));
    this.time = dayStartSeconds * 1000;
  }

  /** The next envelope of the stream, encoded as ingest encodes it. */
  next(): Buffer {
    const rand = this.rand;
    if (this.sessionLeft === 0) {
      this.user = this.users[Math.floor(rand() ** 2 * USERS)];
      this.session = text(rand, 12, 36);
      this.sessionLeft = 1 + Math.floor(-Math.log(1 - rand()) * 5);
    }
    this.sessionLeft--;
    // About 11.5 events a second for a day: 1,000,000 events.
    this.time += Math.floor(rand() * 173);
    const r = rand();
    if (r < 0.01) return this.profileUpdate();
    if (r < 0.03) return this.user.identified ? this.event(pickEvent(rand)) : this.identify();
    if (r < 0.031) return this.createAlias();
    return this.event(pickEvent(rand));
  }

  private envelope(record: Envelope["record"], kind: "event" | "engage"): Buffer {
    const base = { projectId: PROJECT_ID, receivedAt: this.time + 40 };
    if (kind === "engage") {
      return encodeEnvelope({ ...base, kind, operation: "$set", record: record as never });
    }
    return encodeEnvelope({ ...base, kind, insertIdGenerated: false, record: record as never });
  }

  private baseProperties(distinctId: string): Record<string, unknown> {
    const props: Record<string, unknown> = {
      time: this.time / 1000,
      distinct_id: distinctId,
      $insert_id: text(this.rand, 16, 36),
      token: TOKEN,
    };
    for (const [k, v] of this.user.props) props[k] = v;
    props.session_id = this.session;
    return props;
  }

  private currentId(): string {
    return this.user.identified ? this.user.userId : this.user.anonId!;
  }

  private event(name: string): Buffer {
    const props = this.baseProperties(this.currentId());
    eventProps(this.rand, name, props);
    return this.envelope({ event: name, properties: props as never }, "event");
  }

  private identify(): Buffer {
    const props = this.baseProperties(this.user.userId);
    props.$anon_distinct_id = this.user.anonId;
    this.user.identified = true;
    return this.envelope({ event: "$identify", properties: props as never }, "event");
  }

  private createAlias(): Buffer {
    const props = this.baseProperties(this.currentId());
    props.alias = `${this.user.userId}@example.com`;
    return this.envelope({ event: "$create_alias", properties: props as never }, "event");
  }

  private profileUpdate(): Buffer {
    const record = {
      $distinct_id: this.currentId(),
      $token: TOKEN,
      $time: this.time,
      $set: {
        $email: `${this.user.userId}@example.com`,
        plan: pick(this.rand, PLANS),
        $last_login: new Date(this.time).toISOString(),
        visits: Math.floor(this.rand() * 500),
      },
    };
    return this.envelope(record as never, "engage");
  }
}
