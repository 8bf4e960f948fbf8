import assert from "node:assert/strict";
import { test } from "node:test";
import { type RowSource, sortRows } from "../../src/store/row-order.js";
import { seededRandom } from "../seeded-random.js";

/** The order as a comparator sort of every row gives it: the definition sortRows must keep. */
function referenceOrder(sources: readonly RowSource[]): [number, number][] {
  const rows: { s: number; r: number; id: string; time: number; offset: number }[] = [];
  sources.forEach((b, s) => {
    for (let r = 0; r < b.length; r++) {
      const id = b.distinctIds.dictionary[b.distinctIds.codes[r]];
      rows.push({ s, r, id, time: b.time[r], offset: b.offsets[r] });
    }
  });
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.time - b.time || a.offset - b.offset));
  return rows.map((x) => [x.s, x.r]);
}

/**
 * `count` rows of `users` users in offset order from `firstOffset`; times mostly rise with the
 * offset, but `shuffle` of them jump back (late events), and many share a second.
 */
function source(
  rand: () => number,
  count: number,
  users: number,
  firstOffset: number,
  shuffle: number,
): RowSource {
  const dictionary: string[] = [];
  const codeOf = new Map<string, number>();
  const codes = new Int32Array(count);
  const time = new Float64Array(count);
  const offsets = new Float64Array(count);
  let t = 1_715_644_800;
  for (let i = 0; i < count; i++) {
    // Skewed, so some users have long runs (past the insertion sort's limit) and most short ones.
    const id = `u${Math.floor(rand() ** 3 * users)}`;
    let code = codeOf.get(id);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(id);
      codeOf.set(id, code);
    }
    codes[i] = code;
    t += rand() < 0.3 ? 0 : Math.floor(rand() * 3);
    time[i] = rand() < shuffle ? t - Math.floor(rand() * 100) : t;
    offsets[i] = firstOffset + i;
  }
  return { length: count, time, offsets, distinctIds: { codes, dictionary } };
}

/**
 * A source's rows put in segment order, as a merge gets them; `recode` codes the ids in order of
 * first use, as a segment file does (its dictionary is then ascending).
 */
function sorted(s: RowSource, recode = false): RowSource {
  const order = sortRows([s]);
  let dictionary = s.distinctIds.dictionary;
  let codes = Int32Array.from(order.row, (r) => s.distinctIds.codes[r]);
  if (recode) {
    const codeOf = new Map<number, number>();
    for (const c of codes) if (!codeOf.has(c)) codeOf.set(c, codeOf.size);
    dictionary = Array.from(codeOf.keys(), (c) => dictionary[c]);
    codes = codes.map((c) => codeOf.get(c)!);
    assert.ok(
      dictionary.every((id, i) => i === 0 || dictionary[i - 1] < id),
      "ascending",
    );
  }
  return {
    length: s.length,
    time: Float64Array.from(order.row, (r) => s.time[r]),
    offsets: Float64Array.from(order.row, (r) => s.offsets[r]),
    distinctIds: { codes, dictionary },
  };
}

test("rows sort by (distinct id, time, offset) exactly as a comparator sort puts them", () => {
  const rand = seededRandom(5);
  const cases: RowSource[][] = [
    [],
    [source(rand, 0, 1, 0, 0)],
    [source(rand, 1, 1, 0, 0)],
    [source(rand, 2_000, 50, 0, 0)],
    [source(rand, 2_000, 5, 0, 0.2)],
    [source(rand, 5_000, 1_000, 0, 0.05)],
    // A merge: segments, each already sorted, of interleaved offsets and overlapping users.
    [
      sorted(source(rand, 3_000, 40, 0, 0.1)),
      sorted(source(rand, 2_000, 40, 3_000, 0.1)),
      sorted(source(rand, 500, 3, 5_000, 0)),
    ],
    // The same with ascending dictionaries, as segment files have them (merged as sorted lists).
    [
      sorted(source(rand, 3_000, 40, 0, 0.1), true),
      sorted(source(rand, 0, 1, 3_000, 0), true),
      sorted(source(rand, 2_000, 400, 3_000, 0.1), true),
      sorted(source(rand, 500, 3, 5_000, 0), true),
      sorted(source(rand, 1, 1, 5_500, 0), true),
    ],
  ];
  for (const sources of cases) {
    const order = sortRows(sources);
    const got = Array.from(order.source, (s, j) => [s, order.row[j]]);
    assert.deepStrictEqual(got, referenceOrder(sources));
  }
});
