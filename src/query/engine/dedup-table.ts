// Duplicates across the batches of one day (copies can sit in different segments and the buffer),
// and inside a batch whose copies may lie under two stored ids (dedup-runs.ts): an open-addressing
// table over the rows that carry a client-sent $insert_id, keyed by a 32-bit hash of (event, id as
// sent, second, insert id) and verified exactly on every hash match. Strings
// are hashed once per dictionary entry, rows by typed-array arithmetic. Rows without an insert id,
// the common case for server-generated ids, cost one comparison. The table lives for one query:
// what outlasts it is the dead rows, and for a sealed segment the row hashes (dedup.ts).

import { type DeadRows, deadList } from "./dead-rows.js";
import { type DedupColumns, sameKey } from "./dedup-columns.js";

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h;
}

function hashDictionary(dictionary: readonly string[]): Int32Array {
  const out = new Int32Array(dictionary.length);
  for (let c = 0; c < dictionary.length; c++) out[c] = hashString(dictionary[c]);
  return out;
}

/** The key hash of every row with an insert id, never 0; 0 for the others, which are never looked up. */
export function rowHashes(b: DedupColumns): Int32Array {
  const ins = b.insertIds.codes;
  const out = new Int32Array(ins.length);
  if (b.insertIds.dictionary.length === 0) return out;
  const hi = hashDictionary(b.insertIds.dictionary);
  const he = hashDictionary(b.events.dictionary);
  const hd = hashDictionary(b.sentIds.dictionary);
  const ev = b.events.codes;
  const ids = b.sentIds.codes;
  const time = b.time;
  for (let i = 0; i < ins.length; i++) {
    if (ins[i] < 0) continue;
    const second = Math.floor(time[i]);
    let h = Math.imul(he[ev[i]], 0x9e3779b1) ^ hd[ids[i]];
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ hi[ins[i]];
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ (second | 0) ^ ((second / 4294967296) | 0);
    out[i] = h ^ (h >>> 16) || 1;
  }
  return out;
}

function insertRows(b: DedupColumns): number {
  if (b.insertIds.dictionary.length === 0) return 0;
  let n = 0;
  for (const code of b.insertIds.codes) if (code >= 0) n++;
  return n;
}

export class InsertKeyTable {
  private readonly hashes: Int32Array;
  private readonly batchOf: Int32Array;
  private readonly rowOf: Int32Array;
  private readonly mask: number;
  /** Per batch, the rows that lost to a copy with a larger offset (null: none). */
  readonly dead: (Uint8Array | null)[];

  /** Indexes the rows with insert ids of `batches`; of two copies, the one with the smaller offset is marked dead. */
  constructor(readonly batches: readonly DedupColumns[]) {
    let rows = 0;
    for (const b of batches) rows += insertRows(b);
    let capacity = 16;
    while (capacity < rows * 2) capacity *= 2;
    this.hashes = new Int32Array(capacity);
    this.batchOf = new Int32Array(capacity).fill(-1);
    this.rowOf = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.dead = batches.map(() => null);
    for (let index = 0; index < batches.length; index++) this.addBatch(batches[index], index);
  }

  /** Per batch, its dead rows as the cache and the scan keep them. */
  deadLists(): DeadRows[] {
    return this.dead.map(deadList);
  }

  isDead(index: number, row: number): boolean {
    return this.dead[index]?.[row] === 1;
  }

  private addBatch(b: DedupColumns, index: number): void {
    if (b.insertIds.dictionary.length === 0) return;
    const hashes = rowHashes(b);
    const ins = b.insertIds.codes;
    for (let row = 0; row < ins.length; row++) {
      if (ins[row] < 0) continue;
      const slot = this.slotOf(b, row, hashes[row]);
      if (this.batchOf[slot] === -1) {
        this.hashes[slot] = hashes[row];
        this.batchOf[slot] = index;
        this.rowOf[slot] = row;
        continue;
      }
      const held = this.batchOf[slot];
      const heldRow = this.rowOf[slot];
      if (b.offsets[row] > this.batches[held].offsets[heldRow]) {
        this.markDead(held, heldRow);
        this.batchOf[slot] = index;
        this.rowOf[slot] = row;
      } else this.markDead(index, row);
    }
  }

  /** Marks a row of one of the table's batches as a losing copy. */
  markDead(index: number, row: number): void {
    let dead = this.dead[index];
    if (dead === null) {
      dead = new Uint8Array(this.batches[index].offsets.length);
      this.dead[index] = dead;
    }
    dead[row] = 1;
  }

  /** The slot holding row `row`'s key, or the empty slot where it would go. */
  private slotOf(b: DedupColumns, row: number, hash: number): number {
    let slot = hash & this.mask;
    for (;;) {
      const held = this.batchOf[slot];
      if (held === -1) return slot;
      if (this.hashes[slot] === hash && sameKey(this.batches[held], this.rowOf[slot], b, row)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The copy this table kept of row `row`'s key as [batch index, row], or null when it has none. */
  winnerOf(b: DedupColumns, row: number, hash: number): readonly [number, number] | null {
    const slot = this.slotOf(b, row, hash);
    const held = this.batchOf[slot];
    return held === -1 ? null : [held, this.rowOf[slot]];
  }
}
