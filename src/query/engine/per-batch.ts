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
