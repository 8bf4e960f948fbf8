// The dead rows of one day's batches: duplicates cannot cross days (copies share their second),
// so each partition is deduplicated on its own. Only results are cached, never the insert ids they
// come from: the dead rows of a sealed segment, or of a day's sealed segments together, and for a
// segment of a day that also has a write buffer, the key hash of each row with an insert id, which
// the buffer's table is probed with (a hash match is verified against the decoded ids).

import { type DeadRows, deadBytes } from "./dead-rows.js";
import { type DedupColumns, dedupColumns } from "./dedup-columns.js";
import { runDuplicates } from "./dedup-runs.js";
import { againstBuffers } from "./dedup-sealed-buffer.js";
import { InsertKeyTable, rowHashes } from "./dedup-table.js";
import type { EngineCache } from "./engine-cache.js";
import type { ScanBatch } from "./scan-batch.js";

/** Per batch of one partition, its dead rows. */
export function deadRows(batches: readonly ScanBatch[], cache: EngineCache): DeadRows[] {
  if (batches.length === 1) return [singleBatch(batches[0], cache)];
  const sealed = batches.filter((b) => b.key !== null);
  const buffers = batches.filter((b) => b.key === null);
  const sealedColumns = sealed.map(dedupColumns);
  const sealedDead = sealedMarks(sealed, sealedColumns, cache);
  if (buffers.length === 0) return sealedDead;
  const bufferTable = new InsertKeyTable(buffers.map(dedupColumns));
  const crossed = sealed.map((b, s) =>
    againstBuffers(sealedColumns[s], sealedDead[s], hashes(b, sealedColumns[s], cache), bufferTable),
  );
  const bufferDead = bufferTable.deadLists();
  let s = 0;
  let f = 0;
  return batches.map((b) => (b.key !== null ? crossed[s++] : bufferDead[f++]));
}

function singleBatch(batch: ScanBatch, cache: EngineCache): DeadRows {
  const load = () => runDuplicates(dedupColumns(batch));
  if (batch.key === null) return cache.cachedOn(batch.stored, "dead", load);
  return cache.cached(sealedDeadKey([batch.key]), load, deadBytes);
}

/**
 * Puts in the cache what deduplicating a day reads of its sealed segments: their dead rows among
 * themselves and, when the day also has write buffers, their row hashes. A scan worker runs it on
 * a cold day (day-decode.ts) so that the main thread finds both.
 */
export function prepareSealedDedup(
  sealed: readonly ScanBatch[],
  buffered: boolean,
  cache: EngineCache,
): void {
  const columns = sealed.map(dedupColumns);
  sealedMarks(sealed, columns, cache);
  if (buffered) for (let s = 0; s < sealed.length; s++) hashes(sealed[s], columns[s], cache);
}

/** The cache key of the dead rows of a day's sealed segments, named by their keys. */
export function sealedDeadKey(keys: readonly string[]): string {
  return keys.length === 1 ? `${keys[0]}\u0000dead` : `${keys.join("\u0001")}\u0001dead`;
}

/** The dead rows of a day's sealed segments among themselves. */
function sealedMarks(
  sealed: readonly ScanBatch[],
  columns: readonly DedupColumns[],
  cache: EngineCache,
): DeadRows[] {
  if (sealed.length === 0) return [];
  if (sealed.length === 1) return [singleBatch(sealed[0], cache)];
  return cache.cached(
    sealedDeadKey(sealed.map((b) => b.key as string)),
    () => new InsertKeyTable(columns).deadLists(),
    (dead) => dead.reduce((sum, d) => sum + deadBytes(d), 64),
  );
}

/** A sealed segment's key hash per row (0: no insert id), or null when no row has an insert id. */
function hashes(batch: ScanBatch, columns: DedupColumns, cache: EngineCache): Int32Array | null {
  return cache.cached(
    `${batch.key}\u0000insertHashes`,
    () => (columns.insertIds.dictionary.length === 0 ? null : rowHashes(columns)),
    (h) => 16 + (h === null ? 0 : h.byteLength),
  );
}
