// Distinct users per cell: bitmaps, the move to hashed pairs when bitmaps outgrow their budget, and
// the bound on memory.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UniqueUsers } from "../../../src/query/engine/unique-users.js";
import { seededRandom } from "../../seeded-random.js";

describe("UniqueUsers", () => {
  it("says whether a user is new in a cell, before and after moving from bitmaps to hashed pairs", () => {
    const random = seededRandom(42);
    const users = 1000;
    // Room for four bitmaps of 1,000 users: the fifth cell moves everything to the hash table.
    const unique = new UniqueUsers(users, 1 << 20, undefined, 4 * 128);
    const truth = new Set<number>();
    for (let n = 0; n < 20_000; n++) {
      const cell = Math.floor(random() * 12);
      const user = Math.floor(random() * users);
      const key = cell * users + user;
      assert.equal(unique.add(cell, user), !truth.has(key));
      truth.add(key);
    }
  });

  it("refuses to hash more pairs than its memory bound allows", () => {
    const unique = new UniqueUsers(1_000_000, 1 << 20, undefined, 0);
    assert.throws(() => {
      for (let user = 0; user < 200_000; user++) unique.add(0, user);
    }, /counting distinct users needs more than 1 MiB/);
  });
});
