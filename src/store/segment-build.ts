// The two ways a segment file comes to be: sealing a write buffer, and merging segments. Both
// encode and then write durably (temp name, fsync, rename, fsync the directory); the manifest that
// makes the file part of its partition is the caller's next step. These run in the sealing worker
// (seal-worker.ts) or, when workers are off, in the calling thread.

import { BufferBatch } from "./buffer-batch.js";
import { writeFileDurably } from "./durable-fs.js";
import { SegmentBatch } from "./segment-batch.js";
import type { SegmentFooter } from "./segment-format.js";
import { SegmentFile } from "./segment-reader.js";
import { encodeSegment } from "./segment-writer.js";
import type { StoredEvent } from "./stored-event.js";
import { decodeWalPayload } from "./wal.js";

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
  /** Writes the rows (given both as objects and as write-ahead payloads) as a segment at `path`. */
  seal(path: string, rows: readonly StoredEvent[], payloads: readonly Buffer[]): Promise<BuiltSegment>;
  /** Writes the rows of `inputs` as one segment at `path`. */
  merge(path: string, inputs: readonly SegmentInput[]): Promise<BuiltSegment>;
  close(): Promise<void>;
}

export async function sealRows(path: string, rows: readonly StoredEvent[]): Promise<BuiltSegment> {
  const encoded = encodeSegment([BufferBatch.sorted(rows)]);
  await writeFileDurably(path, encoded.chunks);
  return { footer: encoded.footer, size: encoded.size };
}

/** Rows back from write-ahead payloads joined in one buffer; `ends[k]` is where payload k ends. */
export function rowsOfPayloads(joined: Uint8Array, ends: readonly number[]): StoredEvent[] {
  const bytes = Buffer.from(joined.buffer, joined.byteOffset, joined.byteLength);
  const rows: StoredEvent[] = [];
  let start = 0;
  for (const end of ends) {
    for (const e of decodeWalPayload(bytes.toString("utf8", start, end), "write-ahead payload")) rows.push(e);
    start = end;
  }
  return rows;
}

export async function mergeSegments(path: string, inputs: readonly SegmentInput[]): Promise<BuiltSegment> {
  const files: SegmentFile[] = [];
  try {
    for (const input of inputs) files.push(SegmentFile.open(input.path, input));
    const encoded = encodeSegment(files.map((f) => new SegmentBatch(f)));
    await writeFileDurably(path, encoded.chunks);
    return { footer: encoded.footer, size: encoded.size };
  } finally {
    for (const f of files) f.close();
  }
}

/** Builds segments in the calling thread. */
export const inThreadBuilder: SegmentBuilder = {
  seal: (path, rows) => sealRows(path, rows),
  merge: mergeSegments,
  close: async () => undefined,
};
