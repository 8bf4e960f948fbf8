import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Value } from "../../src/expr/value.js";
import { firstEqual } from "../../src/store/column-gather.js";
import { SegmentBatch } from "../../src/store/segment-batch.js";
import { mergeSegments, type SegmentInput, sealPayloads } from "../../src/store/segment-build.js";
import { SegmentFile } from "../../src/store/segment-reader.js";
import { encodeSegment } from "../../src/store/segment-writer.js";
import type { StoredEvent } from "../../src/store/stored-event.js";
import { AsciiStrings } from "../../src/store/string-list-codec.js";
import { hashOf } from "../../src/store/variant-writer.js";
import { encodeWalRecords, eventTextOf } from "../../src/store/wal-record.js";
import { type Random, seededRandom } from "../seeded-random.js";
import { ReferenceMergedColumns } from "./merge-reference.js";
import { randomEvents } from "./random-events.js";
import { exactText, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const START = Date.UTC(2024, 4, 14) / 1000;

async function seal(dir: string, name: string, events: readonly StoredEvent[]): Promise<SegmentInput> {
  const path = join(dir, name);
  const built = await sealPayloads(path, [encodeWalRecords(events.map(eventTextOf), 0)], events.length);
  return { path, ...built };
}

/** The merged segment's bytes as the reference merge writes them. */
function referenceMerge(inputs: readonly SegmentInput[]): Buffer {
  const files = inputs.map((i) => SegmentFile.open(i.path, i));
  try {
    return Buffer.concat(
      encodeSegment(new ReferenceMergedColumns(files.map((f) => new SegmentBatch(f)))).chunks,
    );
  } finally {
    for (const f of files) f.close();
  }
}

function rowsOf(path: string): StoredEvent[] {
  const file = SegmentFile.open(path);
  try {
    const batch = new SegmentBatch(file);
    return Array.from({ length: batch.length }, (_, i) => batch.row(i)).sort((a, b) => a.offset - b.offset);
  } finally {
    file.close();
  }
}

/** Merges `segments` (events of each) both ways; the files must be the same bytes, holding every row. */
async function assertMergesAlike(segments: readonly StoredEvent[][], what: string): Promise<void> {
  const dir = tempDir();
  const inputs = await Promise.all(segments.map((events, k) => seal(dir, `in-${k}.tseg`, events)));
  const merged = join(dir, "merged.tseg");
  await mergeSegments(merged, inputs);
  const expected = referenceMerge(inputs);
  const actual = readFileSync(merged);
  assert.ok(actual.equals(expected), `${what}: the merged file differs from the reference merge's`);
  const all = segments.flat().sort((a, b) => a.offset - b.offset);
  assert.deepStrictEqual(exactText(rowsOf(merged)), exactText(all), `${what}: rows`);
}

function pick<T>(rand: Random, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Copies of some of `events` sent again later (same insert id, time and properties), with new offsets. */
function resent(
  rand: Random,
  events: readonly StoredEvent[],
  count: number,
  firstOffset: number,
): StoredEvent[] {
  return Array.from({ length: count }, (_, i) => ({ ...pick(rand, events), offset: firstOffset + i }));
}

/** An ASCII-only value of every JSON kind (no string, key or text outside ASCII). */
function asciiValue(rand: Random, depth = 0): Value {
  const r = rand();
  if (r < 0.1) return null;
  if (r < 0.2) return rand() < 0.5;
  if (r < 0.45) return pick(rand, [0, -0, 1.5, 2 ** 60, 1e21, Math.floor(rand() * 1000)]);
  if (r < 0.75 || depth >= 2)
    return pick(rand, ["", "a", "DE", "US", 'q"uote', "x\\y", "tab\t"]) + Math.floor(rand() * 50);
  if (r < 0.88) return Array.from({ length: Math.floor(rand() * 3) }, () => asciiValue(rand, depth + 1));
  const o: Record<string, Value> = {};
  for (let k = Math.floor(rand() * 3); k > 0; k--)
    o[pick(rand, ["k", "b", "z"])] = asciiValue(rand, depth + 1);
  return o;
}

/**
 * ASCII events as a product sends them: some properties on every event (one kind each: `plan`
 * a string, `screen` a number, `flags` an object), per-user values, others sometimes, any kind.
 */
function asciiEvents(rand: Random, count: number, firstOffset: number, users: number): StoredEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const user = Math.floor(rand() * users);
    const properties: Record<string, Value> = {
      plan: `plan-${user % 7}`,
      screen: 320 + (user % 5) * 100,
      flags: { beta: user % 3 === 0, cohort: `c${user % 4}` },
    };
    if (rand() < 0.3) properties.amount = Math.round(rand() * 10000) / 100;
    if (rand() < 0.2) properties.search = `term ${Math.floor(rand() * 40)}`;
    if (rand() < 0.2) properties.mixed = asciiValue(rand);
    if (rand() < 0.1) properties.items = [asciiValue(rand), asciiValue(rand)];
    return {
      event: pick(rand, ["Page View", "Click", "Buy"]),
      distinctId: `user-${user}`,
      ...(rand() < 0.1 ? { originalDistinctId: `anon-${user}` } : {}),
      time: START + Math.floor(rand() * 86_400_000) / 1000,
      insertId: rand() < 0.9 ? `id-${Math.floor(rand() * 1e12).toString(36)}` : null,
      properties,
      offset: firstOffset + i,
    };
  });
}

test("a merge writes the bytes the reference merge writes, over random segments of every JSON kind", async () => {
  const rand = seededRandom(404);
  for (const sizes of [[1], [40, 1], [120, 80, 200], [30, 30, 30, 30, 30]]) {
    let offset = 0;
    const segments = sizes.map((n) => {
      const events = randomEvents(rand, n, offset, START, 1);
      offset += n;
      return events;
    });
    // Events sent again land in a later segment: an insert id, strings and JSON texts in several.
    segments.push(resent(rand, segments.flat(), 25, offset));
    await assertMergesAlike(segments, `random events in ${sizes.length + 1} segments`);
  }
});

test("a merge of ASCII segments (strings moved as bytes, properties every row has) writes the reference's bytes", async () => {
  const rand = seededRandom(405);
  for (const [sizes, users] of [
    [[500, 300, 400], 60],
    [[200, 1], 3],
    [[1_000, 1_000], 900],
  ] as const) {
    let offset = 0;
    const segments = sizes.map((n) => {
      const events = asciiEvents(rand, n, offset, users);
      offset += n;
      return events;
    });
    segments.push(resent(rand, segments.flat(), 40, offset));
    await assertMergesAlike(segments, `ASCII events in ${sizes.length + 1} segments`);
  }
  // One segment's values are not ASCII where the others' are: those columns are merged as strings.
  const ascii = asciiEvents(rand, 300, 0, 40);
  const other = randomEvents(rand, 200, 300, START, 1).map((e) => ({
    ...e,
    properties: { ...e.properties, plan: `plän ${e.offset % 3}`, flags: { ключ: e.offset % 2 } },
  }));
  await assertMergesAlike([ascii, other, resent(rand, ascii, 10, 500)], "ASCII and other segments");
  // A property every row of one segment has and no row of another.
  const withScreen = asciiEvents(rand, 100, 0, 10);
  const without = asciiEvents(rand, 100, 100, 10).map((e) => {
    const { screen: _, ...properties } = e.properties;
    return { ...e, properties };
  });
  await assertMergesAlike([withScreen, without], "a column in one segment only");
});

test("equal strings are found in lists of strings and of ASCII bytes, hashes made to collide included", () => {
  const rand = seededRandom(406);
  // Strings sharing their hash's low 13 bits: every one a candidate, all in one slot of the table.
  const colliding: string[] = [];
  for (let i = 0; colliding.length < 300; i++) if ((hashOf(`c${i}`) & 8191) === 0) colliding.push(`c${i}`);
  const cases: string[][] = [
    [],
    ["a"],
    ["a", "a", "b", "a", "", ""],
    Array.from({ length: 5_000 }, () => `s${Math.floor(rand() * 3_000)}`),
    Array.from({ length: 300 }, () => pick(rand, colliding)),
    [...colliding, ...colliding.slice(0, 100).reverse(), ...colliding],
  ];
  for (const strings of cases) {
    const expected = new Map<string, number>();
    const want = strings.map((s, k) => {
      if (!expected.has(s)) expected.set(s, k);
      return expected.get(s)!;
    });
    assert.deepStrictEqual(Array.from(firstEqual(strings)), want, "strings");
    const starts = new Float64Array(strings.length + 1);
    strings.forEach((s, k) => {
      starts[k + 1] = starts[k] + s.length;
    });
    const ascii = new AsciiStrings(Buffer.from(strings.join(""), "latin1"), starts);
    assert.deepStrictEqual(Array.from(firstEqual(ascii)), want, "ASCII bytes");
  }
});
