// A batch's rows grouped by event: for each code of the events dictionary, its rows in ascending
// order. A query about one event (most segmentation, numeric and sum queries) then visits only that
// event's rows instead of testing every row's event. Built once per sealed segment by a counting
// sort and kept in the cache. Likewise the runs of one stored id, for per-user scans that need only
// a user's latest row in a batch.

export interface EventRows {
  /** Rows of code c are `rows[starts[c]]` … `rows[starts[c + 1] - 1]`. */
  readonly starts: Int32Array;
  readonly rows: Int32Array;
}

export function eventRows(codes: Int32Array, dictionarySize: number): EventRows {
  const starts = new Int32Array(dictionarySize + 1);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) starts[codes[i] + 1]++;
  for (let c = 0; c < dictionarySize; c++) starts[c + 1] += starts[c];
  const next = starts.slice(0, dictionarySize);
  const rows = new Int32Array(starts[dictionarySize]);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c >= 0) rows[next[c]++] = i;
  }
  return { starts, rows };
}

/** The least and greatest time of a batch, for skipping the span test when the batch lies inside. */
export function timeRange(time: Float64Array): Float64Array {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < time.length; i++) {
    const t = time[i];
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return Float64Array.of(min, max);
}

/** The last row of each run of one stored id (rows are grouped by stored id), ascending. */
export function idRunEnds(ids: Int32Array): Int32Array {
  let runs = 0;
  for (let i = 0; i < ids.length; i++) if (i + 1 === ids.length || ids[i + 1] !== ids[i]) runs++;
  const ends = new Int32Array(runs);
  let k = 0;
  for (let i = 0; i < ids.length; i++) if (i + 1 === ids.length || ids[i + 1] !== ids[i]) ends[k++] = i;
  return ends;
}
