// Sorts a slice of row numbers by (time, offset) of the rows: a merge sort that skips the merge of
// two halves already in order, so a slice made of a few sorted runs (one user's rows from several
// batches) costs little more than one comparison per row. Hot path: typed arrays, no closures.

const SMALL = 16;

/** Sorts `rows[from … to)`, stably, using `scratch[from … to)`. */
export function sortRows(
  rows: Int32Array,
  from: number,
  to: number,
  time: Float64Array,
  offset: Float64Array,
  scratch: Int32Array,
): void {
  mergeSort(rows, from, to, time, offset, scratch);
}

function before(a: number, b: number, time: Float64Array, offset: Float64Array): boolean {
  const ta = time[a];
  const tb = time[b];
  return ta < tb || (ta === tb && offset[a] < offset[b]);
}

function mergeSort(
  rows: Int32Array,
  from: number,
  to: number,
  time: Float64Array,
  offset: Float64Array,
  scratch: Int32Array,
): void {
  if (to - from <= SMALL) {
    insertionSort(rows, from, to, time, offset);
    return;
  }
  const mid = (from + to) >>> 1;
  mergeSort(rows, from, mid, time, offset, scratch);
  mergeSort(rows, mid, to, time, offset, scratch);
  if (!before(rows[mid], rows[mid - 1], time, offset)) return;
  scratch.set(rows.subarray(from, mid), from);
  let a = from;
  let b = mid;
  let out = from;
  while (a < mid && b < to) {
    // Ties take the left run first: the sort is stable.
    if (before(rows[b], scratch[a], time, offset)) rows[out++] = rows[b++];
    else rows[out++] = scratch[a++];
  }
  while (a < mid) rows[out++] = scratch[a++];
}

function insertionSort(
  rows: Int32Array,
  from: number,
  to: number,
  time: Float64Array,
  offset: Float64Array,
): void {
  for (let i = from + 1; i < to; i++) {
    const row = rows[i];
    let j = i - 1;
    while (j >= from && before(row, rows[j], time, offset)) {
      rows[j + 1] = rows[j];
      j--;
    }
    rows[j + 1] = row;
  }
}
