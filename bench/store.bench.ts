// The event store on a realistic synthetic day: bytes per event on disk
// against the same events as gzipped NDJSON, and the full-scan rate of the sealed day with the
// filter properties["country"] == "DE" and properties["amount"] > 50, against the same filter over
// row objects and over NDJSON (baselines, same run).
// Usage: node dist/bench/store.bench.js [rows]   (default 300,000)

import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { JsonObject, Value } from "../src/expr/value.js";
import { EventStore } from "../src/store/event-store.js";
import type { SegmentBatch } from "../src/store/segment-batch.js";
import type { StoredEvent } from "../src/store/stored-event.js";
import { random } from "./query-random.js";
import { BROWSERS, COUNTRIES, EVENTS, LIBS, OS, REFERRERS, USERS, UTM } from "./synthetic-stream.js";

const ROWS = Number(process.argv[2] ?? 300_000);
const DAY = "2024-05-14";
const DAY_START = Date.parse(`${DAY}T00:00:00Z`) / 1000;

// The data set: 20 event names, 30 properties of mixed kinds (per-user device and location
// properties, per-event pages and amounts, lists, objects, a property whose kind changes), 100,000
// users with skewed activity in sessions, times in whole milliseconds as ingest makes them.

function hex(rand: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

function base36(rand: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 36).toString(36);
  return s;
}

function uuid(rand: () => number): string {
  return `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-${hex(rand, 4)}-${hex(rand, 12)}`;
}

interface User {
  readonly id: string;
  readonly props: [string, Value][];
}

function makeUser(rand: () => number, n: number): User {
  const os = OS[Math.floor(rand() ** 1.5 * OS.length)];
  const country = COUNTRIES[Math.floor(rand() ** 2 * COUNTRIES.length)];
  const props: [string, Value][] = [
    ["$os", os],
    ["$browser", BROWSERS[Math.floor(rand() * BROWSERS.length)]],
    ["$browser_version", [120, 121, 17.2, 16.6, 119, 122][Math.floor(rand() * 6)]],
    ["$city", `City ${Math.floor(rand() ** 2 * 2000)}`],
    ["$region", `Region ${Math.floor(rand() * 300)}`],
    ["country", country],
    ["$screen_width", [1920, 1440, 390, 414, 1366, 1536][Math.floor(rand() * 6)]],
    ["$screen_height", [1080, 900, 844, 896, 768, 864][Math.floor(rand() * 6)]],
    ["$device_id", uuid(rand)],
    ["mp_lib", LIBS[Math.floor(rand() * LIBS.length)]],
    ["$lib_version", `2.${45 + Math.floor(rand() * 5)}.0`],
    ["$initial_referrer", REFERRERS[Math.floor(rand() * REFERRERS.length)]],
  ];
  if (rand() < 0.2) props.push(["utm_source", UTM[Math.floor(rand() * UTM.length)]]);
  return { id: n % 3 === 0 ? `$device:${uuid(rand)}` : `user-${100000 + n}`, props };
}

function pickEvent(rand: () => number): string {
  let r = rand() * 100;
  for (const [name, weight] of EVENTS) {
    r -= weight;
    if (r < 0) return name;
  }
  return EVENTS[0][0];
}

function eventProps(rand: () => number, name: string, props: [string, Value][], session: string): void {
  props.push([
    "$current_url",
    `https://shop.example.com/${["", "pricing", "docs", "blog", "cart", "product"][Math.floor(rand() * 6)]}/${Math.floor(rand() * 40)}`,
  ]);
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
    case "Settings Changed":
      props.push(["settings", { theme: rand() < 0.5 ? "dark" : "light", notifications: rand() < 0.5 }]);
      break;
    case "Button Click":
      props.push(["button_id", `btn-${Math.floor(rand() * 50)}`]);
      break;
    default:
      props.push(["duration", Math.round(rand() * 100000) / 1000]);
  }
}

/** `rows` events of one day from `dayStart` (seconds), offsets 0 … rows - 1 in time order. */
function syntheticDay(rows: number, dayStart: number): StoredEvent[] {
  const rand = random(2024);
  const users = Array.from({ length: USERS }, (_, n) => makeUser(rand, n));
  const drafts: { user: User; time: number; session: string }[] = [];
  while (drafts.length < rows) {
    const user = users[Math.floor(rand() ** 2 * USERS)];
    const session = base36(rand, 12);
    let time = dayStart + Math.floor(rand() * 86_000_000) / 1000;
    const length = 1 + Math.floor(-Math.log(1 - rand()) * 5);
    for (let k = 0; k < length && drafts.length < rows && time < dayStart + 86_400; k++) {
      // As ingest makes it from milliseconds: the double nearest to a whole number of ms.
      drafts.push({ user, time: Math.round(time * 1000) / 1000, session });
      time += Math.floor(2000 + rand() * 90_000) / 1000;
    }
  }
  drafts.sort((a, b) => a.time - b.time);
  return drafts.map((d, offset) => {
    const name = pickEvent(rand);
    const props: [string, Value][] = [...d.user.props];
    eventProps(rand, name, props, d.session);
    return {
      event: name,
      distinctId: d.user.id,
      time: d.time,
      insertId: base36(rand, 16),
      properties: Object.fromEntries(props) as JsonObject,
      offset,
    };
  });
}

function seconds(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e9;
}

/** The event as the export API (and the SDK) writes it: time, distinct_id, $insert_id inside properties. */
function ndjsonLine(e: StoredEvent): string {
  return JSON.stringify({
    event: e.event,
    properties: { time: e.time, distinct_id: e.distinctId, $insert_id: e.insertId, ...e.properties },
  });
}

function gzippedNdjson(events: readonly StoredEvent[]): { raw: number; gzip: number; lines: string[] } {
  const lines = events.map(ndjsonLine);
  const text = Buffer.from(lines.join("\n") + "\n");
  return { raw: text.length, gzip: gzipSync(text).length, lines };
}

function segmentBytes(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".tseg")) continue;
    bytes += statSync(join(dir, name)).size;
    files++;
  }
  return { bytes, files };
}

/** Bytes per column (all its blocks), largest first, from a segment's footer. */
function columnSizes(batch: SegmentBatch): [string, number][] {
  const f = batch.file.footer;
  const sum = (...refs: (readonly number[] | null)[]) =>
    refs.reduce((a, r) => a + (r === null ? 0 : r[1]), 0);
  const variant = (v: typeof f.insertId) => sum(v.tags, v.numbers, v.strings, v.others);
  const sizes: [string, number][] = [
    ["(event)", sum(f.event)],
    ["(distinctId)", sum(f.distinctId)],
    ["(time)", sum(f.time)],
    ["(offset)", sum(f.offset)],
    ["(keyOrder)", sum(f.keyOrder)],
    ["(insertId)", variant(f.insertId)],
    ["(originalDistinctId)", variant(f.originalDistinctId)],
    ...f.properties.map((p): [string, number] => [p.name, variant(p)]),
  ];
  return sizes.sort((a, b) => b[1] - a[1]);
}

/** Hot path: the filter as a compiled expression runs it, over typed arrays. */
function scanColumns(batch: SegmentBatch): number {
  const country = batch.property("country");
  const amount = batch.property("amount");
  if (country === undefined || amount === undefined || amount.numbers === null || country.codes === null)
    return 0;
  const de = country.dictionary.indexOf("DE");
  const codes = country.codes;
  const numbers = amount.numbers;
  let matches = 0;
  for (let i = 0; i < batch.length; i++) if (codes[i] === de && numbers[i] > 50) matches++;
  return matches;
}

function scanObjects(events: readonly StoredEvent[]): number {
  let matches = 0;
  for (const e of events) {
    const p = e.properties;
    const amount = p.amount;
    if (p.country === "DE" && typeof amount === "number" && amount > 50) matches++;
  }
  return matches;
}

function scanNdjson(lines: readonly string[]): number {
  let matches = 0;
  for (const line of lines) {
    const p = (JSON.parse(line) as { properties: Record<string, unknown> }).properties;
    if (p.country === "DE" && typeof p.amount === "number" && p.amount > 50) matches++;
  }
  return matches;
}

function rate(rows: number, time: number): string {
  return `${Math.round(rows / time).toLocaleString("en-US")} rows/s`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tally-store-bench-"));
  try {
    let t = process.hrtime.bigint();
    const events = syntheticDay(ROWS, DAY_START);
    console.log(`generated ${events.length.toLocaleString("en-US")} events in ${seconds(t).toFixed(1)} s`);

    t = process.hrtime.bigint();
    const baseline = gzippedNdjson(events);
    console.log(
      `NDJSON: ${(baseline.raw / ROWS).toFixed(1)} B/event, gzipped ${(baseline.gzip / ROWS).toFixed(1)} B/event (${seconds(t).toFixed(1)} s)`,
    );

    // Default seal size (100,000 rows): appends write the write-ahead file and seal in the background.
    const store = await EventStore.open(dir, { maintenanceIntervalMs: 0 });
    t = process.hrtime.bigint();
    for (let i = 0; i < events.length; i += 5000) await store.append(1, "UTC", events.slice(i, i + 5000));
    const appendTime = seconds(t);
    await store.sealAll();
    const ingestTime = seconds(t);
    t = process.hrtime.bigint();
    await store.compact();
    const compactTime = seconds(t);
    console.log(
      `append ${rate(ROWS, appendTime)} (batches of 5,000, one fsync each; seals run meanwhile), ` +
        `append + last seal ${rate(ROWS, ingestTime)}, compact ${rate(ROWS, compactTime)}`,
    );

    const disk = segmentBytes(join(dir, "1", DAY));
    const perEvent = disk.bytes / ROWS;
    console.log(
      `segments: ${disk.files} file(s), ${(disk.bytes / 1e6).toFixed(1)} MB, ${perEvent.toFixed(1)} B/event = ` +
        `${(disk.bytes / baseline.gzip).toFixed(2)}x gzipped NDJSON (goal <= 0.5x)`,
    );

    const snapshot = store.partitions(1, DAY, DAY);
    const batches = snapshot.partitions[0].batches as SegmentBatch[];
    console.log("largest columns (bytes/event):");
    for (const [name, bytes] of columnSizes(batches[0]).slice(0, 12)) {
      console.log(`  ${name.padEnd(22)} ${(bytes / batches[0].length).toFixed(2)}`);
    }
    snapshot.release();

    // Cold: a fresh snapshot each time, so the two columns are read and decoded from the file. One
    // untimed round first, after a collection: the timed rounds then measure reading and decoding,
    // not the JIT's first compile or a pause for this bench's own garbage.
    let matches = 0;
    const rounds = 5;
    globalThis.gc?.();
    for (let r = -1; r < rounds; r++) {
      if (r === 0) t = process.hrtime.bigint();
      const s = store.partitions(1, DAY, DAY);
      for (const b of s.partitions[0].batches) matches = scanColumns(b as SegmentBatch);
      s.release();
    }
    const cold = seconds(t) / rounds;
    // Warm: the columns decoded once, the loop alone.
    const warmSnapshot = store.partitions(1, DAY, DAY);
    const warmBatch = warmSnapshot.partitions[0].batches[0] as SegmentBatch;
    scanColumns(warmBatch);
    t = process.hrtime.bigint();
    for (let r = 0; r < 20; r++) matches = scanColumns(warmBatch);
    const warm = seconds(t) / 20;
    warmSnapshot.release();
    t = process.hrtime.bigint();
    const objectMatches = scanObjects(events);
    const objects = seconds(t);
    t = process.hrtime.bigint();
    const ndjsonMatches = scanNdjson(baseline.lines);
    const ndjson = seconds(t);
    if (objectMatches !== matches || ndjsonMatches !== matches) throw new Error("scans disagree");
    console.log(`scan (${matches.toLocaleString("en-US")} matches):`);
    console.log(`  segment, cold (read + decode 2 columns + loop)  ${rate(ROWS, cold)}`);
    console.log(`  segment, warm (loop over typed arrays)          ${rate(ROWS, warm)}`);
    console.log(`  baseline: row objects in memory                 ${rate(ROWS, objects)}`);
    console.log(`  baseline: NDJSON lines, JSON.parse each          ${rate(ROWS, ndjson)}`);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
