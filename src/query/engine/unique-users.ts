// Distinct users per cell (segment × bucket): a bitmap over the query's users for each cell that
// has any, which makes a test-and-set two array reads; when the bitmaps would outgrow their budget
// (many sparse cells: a high-cardinality `on`), the pairs move to an open-addressing table of
// cell·users + user keys. Both answer "was this user new in this cell?".

import { QueryLimitError } from "./limits.js";
import type { QueryMemory } from "./query-memory.js";

/** Bitmaps up to this many bytes in all by default; beyond, pairs are hashed. */
const BITMAP_BUDGET = 64 * 1024 * 1024;

export class UniqueUsers {
  private readonly words: number;
  private bitmaps: (Int32Array | undefined)[] | null = [];
  private bitmapBytes = 0;
  private keys: Float64Array | null = null;
  private pairs = 0;

  constructor(
    private readonly users: number,
    private readonly maxBytes: number,
    /** Charged for the bitmaps and the table as they grow. */
    private readonly memory?: QueryMemory,
    private readonly bitmapBudget = BITMAP_BUDGET,
  ) {
    this.words = (users + 31) >>> 5;
  }

  /** Adds `user` to `cell`; true when the cell did not hold it yet. */
  add(cell: number, user: number): boolean {
    const bitmaps = this.bitmaps;
    if (bitmaps === null) return this.addKey(cell * this.users + user);
    let bits = bitmaps[cell];
    if (bits === undefined) {
      if (this.bitmapBytes + this.words * 4 > Math.min(this.bitmapBudget, this.maxBytes)) {
        this.toKeys();
        return this.addKey(cell * this.users + user);
      }
      this.memory?.charge(this.words * 4, "counting distinct users");
      bits = new Int32Array(this.words);
      bitmaps[cell] = bits;
      this.bitmapBytes += this.words * 4;
    }
    const w = user >>> 5;
    const mask = 1 << (user & 31);
    if ((bits[w] & mask) !== 0) return false;
    bits[w] |= mask;
    return true;
  }

  private toKeys(): void {
    const bitmaps = this.bitmaps ?? [];
    this.bitmaps = null;
    this.memory?.charge((1 << 16) * 8, "counting distinct users");
    this.keys = new Float64Array(1 << 16);
    for (let cell = 0; cell < bitmaps.length; cell++) {
      const bits = bitmaps[cell];
      if (bits === undefined) continue;
      for (let user = 0; user < this.users; user++) {
        if ((bits[user >>> 5] & (1 << (user & 31))) !== 0) this.addKey(cell * this.users + user);
      }
    }
  }

  /** Keys are stored plus one, so 0 marks an empty slot. */
  private addKey(key: number): boolean {
    let keys = this.keys as Float64Array;
    if ((this.pairs + 1) * 2 > keys.length) keys = this.grow();
    const mask = keys.length - 1;
    const stored = key + 1;
    let slot = hashKey(key) & mask;
    for (;;) {
      const held = keys[slot];
      if (held === 0) break;
      if (held === stored) return false;
      slot = (slot + 1) & mask;
    }
    keys[slot] = stored;
    this.pairs++;
    return true;
  }

  private grow(): Float64Array {
    const old = this.keys as Float64Array;
    if (old.length * 2 * 8 > this.maxBytes) {
      throw new QueryLimitError(
        "maxUniqueBytes",
        `counting distinct users needs more than ${Math.round(this.maxBytes / 1048576)} MiB; narrow "on", the range or the unit`,
      );
    }
    this.memory?.charge(old.length * 8, "counting distinct users");
    const keys = new Float64Array(old.length * 2);
    const mask = keys.length - 1;
    for (const stored of old) {
      if (stored === 0) continue;
      let slot = hashKey(stored - 1) & mask;
      while (keys[slot] !== 0) slot = (slot + 1) & mask;
      keys[slot] = stored;
    }
    this.keys = keys;
    return keys;
  }
}

function hashKey(key: number): number {
  let h = Math.imul(key | 0, 0x9e3779b1) ^ Math.imul((key / 4294967296) | 0, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
