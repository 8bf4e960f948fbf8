// The dead bitmaps of one day's batches: duplicates cannot cross days (copies share their second),
// so each partition is deduplicated on its own. What depends on sealed segments alone is cached
// (they never change): the marks of a day whose batches are all sealed, and, for a day that also
// has a write buffer, the table of its sealed rows, which the buffer's rows are looked up in.

import { type DedupColumns, dedupColumns } from "./dedup-columns.js";
import { runDuplicates } from "./dedup-runs.js";
import { InsertKeyTable, rowHashes } from "./dedup-table.js";
import type { EngineCache } from "./engine-cache.js";
import type { ScanBatch } from "./scan-batch.js";

function deadBytes(dead: readonly (Uint8Array | null)[]): number {
  let bytes = 64;
  for (const d of dead) if (d !== null) bytes += d.byteLength;
  return bytes;
}

/** Per batch of one partition, its dead bitmap (null: no row is dead). */
export function deadRows(batches: readonly ScanBatch[], cache: EngineCache): (Uint8Array | null)[] {
  if (batches.length === 1) return [singleBatch(batches[0], cache)];
  const sealed = batches.filter((b) => b.key !== null);
  const buffers = batches.filter((b) => b.key === null);
  const setKey = sealed.map((b) => b.key).join("\u0001");
  if (buffers.length === 0) {
    return cache.cached(
      `${setKey}\u0001dead`,
      () => new InsertKeyTable(sealed.map(dedupColumns)).dead,
      deadBytes,
    );
  }
  const bufferTable = new InsertKeyTable(buffers.map(dedupColumns));
  const sealedDead =
    sealed.length === 0 ? [] : againstSealed(sealedTable(sealed, setKey, cache), bufferTable);
  const out: (Uint8Array | null)[] = [];
  let s = 0;
  let f = 0;
  for (const b of batches) out.push(b.key !== null ? sealedDead[s++] : bufferTable.dead[f++]);
  return out;
}

function sealedTable(sealed: readonly ScanBatch[], setKey: string, cache: EngineCache): InsertKeyTable {
  return cache.cached(
    `${setKey}\u0001table`,
    () => new InsertKeyTable(sealed.map(dedupColumns)),
    (t) => t.bytes,
  );
}

function singleBatch(batch: ScanBatch, cache: EngineCache): Uint8Array | null {
  if (batch.key === null) return cache.cachedOn(batch.stored, "dead", () => runDuplicates(batch));
  return cache.cached(
    `${batch.key}\u0000dead`,
    () => runDuplicates(batch),
    (d) => (d === null ? 16 : d.byteLength),
  );
}

/**
 * Looks up the buffer's surviving copies in the sealed rows' table: of two copies the larger offset
 * wins. Marks on the buffer side go into `buffers.dead` (built for this query); marks on the sealed
 * side go into copies, leaving the cached table as it was.
 */
function againstSealed(sealed: InsertKeyTable, buffers: InsertKeyTable): (Uint8Array | null)[] {
  const dead = sealed.dead.slice();
  const copied = new Set<number>();
  buffers.batches.forEach((b: DedupColumns, index) => {
    if (b.insertIds.dictionary.length === 0) return;
    const hashes = rowHashes(b);
    const ins = b.insertIds.codes;
    const own = buffers.dead[index];
    for (let row = 0; row < ins.length; row++) {
      if (ins[row] < 0 || (own !== null && own[row] === 1)) continue;
      const winner = sealed.winnerOf(b, row, hashes[row]);
      if (winner === null) continue;
      const [held, heldRow] = winner;
      if (b.offsets[row] > sealed.batches[held].offsets[heldRow]) {
        if (!copied.has(held)) {
          dead[held] = dead[held]?.slice() ?? new Uint8Array(sealed.batches[held].offsets.length);
          copied.add(held);
        }
        (dead[held] as Uint8Array)[heldRow] = 1;
      } else buffers.markDead(index, row);
    }
  });
  return dead;
}
