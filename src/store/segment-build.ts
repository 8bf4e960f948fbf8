// The two ways a segment file comes to be: sealing a write buffer, and merging segments. Both
// encode and then write durably (temp name, fsync, rename, fsync the directory); the manifest that
// makes the file part of its partition is the caller's next step. These run in the sealing worker
// (seal-worker.ts) or, when workers are off, in the calling thread.

import { writeFileDurably } from "./durable-fs.js";
import { MergedColumns } from "./merged-columns.js";
import { SealColumns } from "./seal-columns.js";
import { SegmentBatch } from "./segment-batch.js";
import type { SegmentFooter } from "./segment-format.js";
import { SegmentFile } from "./segment-reader.js";
import { encodeSegment } from "./segment-writer.js";

/** A segment file as written: its footer and size, so readers need not read the footer again. */
export interface BuiltSegment {
  readonly footer: SegmentFooter;
  readonly size: number;
}

/** An existing segment to merge. */
export interface SegmentInput {
  readonly path: string;
  readonly footer: SegmentFooter;
  readonly size: number;
}

export interface SegmentBuilder {
  /**
   * Writes the rows of a buffer's write-ahead payloads (`rows` of them) as a segment at `path`. The
   * payloads are not changed, and may be read meanwhile.
   */
  seal(path: string, payloads: readonly Buffer[], rows: number): Promise<BuiltSegment>;
  /** Seals that run side by side, each on a core of its own (a partition splits a buffer among them). */
  sealThreads(): number;
  /** Writes the rows of `inputs` as one segment at `path`. */
  merge(path: string, inputs: readonly SegmentInput[]): Promise<BuiltSegment>;
  close(): Promise<void>;
}

/** Writes the rows of write-ahead payloads, sorted, as a segment. */
export async function sealPayloads(
  path: string,
  payloads: readonly Uint8Array[],
  rows: number,
): Promise<BuiltSegment> {
  const buffers = payloads.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  const encoded = encodeSegment(new SealColumns(buffers, rows));
  await writeFileDurably(path, encoded.chunks);
  return { footer: encoded.footer, size: encoded.size };
}

export async function mergeSegments(path: string, inputs: readonly SegmentInput[]): Promise<BuiltSegment> {
  const files: SegmentFile[] = [];
  try {
    for (const input of inputs) files.push(SegmentFile.open(input.path, input));
    const encoded = encodeSegment(new MergedColumns(files.map((f) => new SegmentBatch(f))));
    await writeFileDurably(path, encoded.chunks);
    return { footer: encoded.footer, size: encoded.size };
  } finally {
    for (const f of files) f.close();
  }
}

/** Builds segments in the calling thread. */
export const inThreadBuilder: SegmentBuilder = {
  seal: sealPayloads,
  sealThreads: () => 1,
  merge: mergeSegments,
  close: async () => undefined,
};
