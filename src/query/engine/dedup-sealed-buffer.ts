// Copies between a day's sealed segments and its write buffers. The segments' side is what the
// cache keeps of them: their dead rows among themselves and a key hash per row (dedup.ts); the
// buffers' side is a table built for the query. The segment's strings are decoded only to verify a
// hash match, which is a real copy but for a 1-in-2^32 chance: copies across a seal are rare.

import { type DeadRows, deadBitmap, deadList } from "./dead-rows.js";
import type { DedupColumns } from "./dedup-columns.js";
import type { InsertKeyTable } from "./dedup-table.js";

/**
 * Resolves a sealed segment's live rows against the live rows of the buffers' table: of two copies
 * the larger offset wins. Marks on the buffer side go into the table (built for this query); marks
 * on the sealed side make a new list, leaving the cached one as it was. Hot path: one probe per row
 * with an insert id; the segment's strings are decoded only when a hash matches.
 */
export function againstBuffers(
  sealed: DedupColumns,
  dead: DeadRows,
  hashes: Int32Array | null,
  buffers: InsertKeyTable,
): DeadRows {
  if (hashes === null) return dead;
  let marks: Uint8Array | null = null;
  let d = 0;
  for (let row = 0; row < hashes.length; row++) {
    const hash = hashes[row];
    if (hash === 0) continue;
    if (dead !== null) {
      while (d < dead.length && dead[d] < row) d++;
      if (d < dead.length && dead[d] === row) continue;
    }
    const winner = buffers.winnerOf(sealed, row, hash);
    if (winner === null) continue;
    const [index, bufferRow] = winner;
    if (buffers.isDead(index, bufferRow)) continue;
    if (buffers.batches[index].offsets[bufferRow] > sealed.offsets[row]) {
      marks ??= deadBitmap(dead, hashes.length);
      marks[row] = 1;
    } else buffers.markDead(index, bufferRow);
  }
  return marks === null ? dead : deadList(marks);
}
