// A value made once per batch — an expression or a segmenter bound to its columns — and kept while
// the scan hands the same batch over in chunks (scan.ts, RowSink.takesChunks). Binding costs a pass
// over the batch's dictionaries, so it must not be repeated for every chunk.

import type { ColumnBatch } from "../../expr/columns.js";

export class PerBatch<B extends ColumnBatch, T> {
  private batch: B | undefined;
  private value: T | undefined;

  constructor(private readonly make: (batch: B) => T) {}

  of(batch: B): T {
    if (batch !== this.batch) {
      this.value = this.make(batch);
      this.batch = batch;
    }
    return this.value as T;
  }
}

/**
 * The last run of one stored id and bucket a per-user sink saw, carried from one chunk of a batch
 * to the next: its rows are sorted by stored id, so a run may cross a chunk's end, and without this
 * the run's first row would be taken again after each one.
 */
export class LastRun<B> {
  private batch: B | undefined;
  id = -1;
  bucket = -1;

  /** Called as a chunk begins: a run carries on only within the same batch. */
  enter(batch: B): void {
    if (batch === this.batch) return;
    this.batch = batch;
    this.id = -1;
    this.bucket = -1;
  }
}
