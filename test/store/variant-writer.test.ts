import assert from "node:assert/strict";
import { test } from "node:test";
import { DistinctCoder, hashOf, OrderedCoder } from "../../src/store/variant-writer.js";
import { seededRandom } from "../seeded-random.js";

/** Codes `strings` with both coders, checks they agree, and returns the distinct one. */
function codedAlike(strings: readonly string[], rows: number): DistinctCoder {
  const distinctCoder = new DistinctCoder(rows);
  const ordered = new OrderedCoder(rows);
  for (const s of strings) {
    distinctCoder.add(s);
    ordered.add(s);
  }
  assert.deepStrictEqual(distinctCoder.dictionary, ordered.dictionary);
  assert.deepStrictEqual(distinctCoder.codes, ordered.codes);
  return distinctCoder;
}

test("the coder of nearly distinct strings gives the codes and dictionary the ordered coder gives", () => {
  const rand = seededRandom(21);
  const alphabet = ["a", "b", "é", "日", "\ud800", "\udc00", "😀", "\u0000", "-"];
  for (const [rows, distinct] of [
    [0, 1],
    [1, 1],
    [7, 1],
    [1_000, 10],
    [20_000, 15_000],
    [20_000, 1e9],
  ]) {
    const strings = Array.from({ length: rows }, () => {
      // Strings of many lengths, some of them equal, none adjacent on purpose.
      const n = Math.floor(rand() * distinct);
      let s = n.toString(36);
      for (let k = 0; k < n % 4; k++) s += alphabet[(n >> k) % alphabet.length];
      return s;
    });
    const distinctCoder = codedAlike(strings, rows);
    assert.equal(new Set(distinctCoder.dictionary).size, distinctCoder.dictionary.length, "no string twice");
  }
});

test("strings made to share a slot of the table are coded alike, through a Map once probes run long", () => {
  const rows = 400;
  // The coder's table has 1,024 slots for 400 rows: these 300 strings all hash to slot 0.
  const colliding: string[] = [];
  for (let i = 0; colliding.length < 300; i++) {
    if ((hashOf(`k${i}`) & 1023) === 0) colliding.push(`k${i}`);
  }
  const strings = [...colliding, ...colliding.slice(0, 100).reverse()];
  codedAlike(strings, rows);
});
