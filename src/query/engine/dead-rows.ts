// A batch's dead (duplicate) rows as the scan and the cache hold them: their indexes, ascending,
// or null when none is dead — the common case, which then costs nothing. Copies are rare, so a
// list is a few bytes where a bitmap would take one a row; deduplication marks in a bitmap while it
// works and keeps only the list.

/** Sorted indexes of the rows left out of every query, or null: none. */
export type DeadRows = Uint32Array | null;

/** The rows marked 1 in `bitmap`, as a list. */
export function deadList(bitmap: Uint8Array | null): DeadRows {
  if (bitmap === null) return null;
  let n = 0;
  for (let i = 0; i < bitmap.length; i++) n += bitmap[i];
  if (n === 0) return null;
  const out = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < bitmap.length; i++) if (bitmap[i] === 1) out[k++] = i;
  return out;
}

/** A row-sized bitmap of `dead`, to mark more rows in. */
export function deadBitmap(dead: DeadRows, rows: number): Uint8Array {
  const out = new Uint8Array(rows);
  if (dead !== null) for (let k = 0; k < dead.length; k++) out[dead[k]] = 1;
  return out;
}

export function deadBytes(dead: DeadRows): number {
  return 16 + (dead === null ? 0 : dead.byteLength);
}

/** Hot path: removes the dead rows from the ascending `rows[0 … count)` in place; returns how many remain. */
export function dropDead(rows: Uint32Array, count: number, dead: Uint32Array): number {
  let d = 0;
  let n = 0;
  for (let k = 0; k < count; k++) {
    const i = rows[k];
    while (d < dead.length && dead[d] < i) d++;
    if (d < dead.length && dead[d] === i) continue;
    rows[n++] = i;
  }
  return n;
}
