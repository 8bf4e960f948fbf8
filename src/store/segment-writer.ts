// Encodes a segment's columns, rows already in segment order, into one segment file's bytes (see
// docs/segment-format.md). A seal's columns come from seal-columns.ts, a compaction's from
// merged-columns.ts.

import { crc32 } from "node:zlib";
import { type BlockRef, packBlock } from "./block.js";
import {
  encodeNumbersBody,
  encodeStringListBody,
  encodeStringsBody,
  encodeTagsBody,
} from "./column-codec.js";
import type { OrderedStrings, SegmentColumns, VariantData } from "./segment-columns.js";
import {
  HEADER_MAGIC,
  type PropertyRefs,
  SEGMENT_VERSION,
  type SegmentFooter,
  TRAILER_BYTES,
  TRAILER_MAGIC,
  type VariantRefs,
} from "./segment-format.js";

export interface EncodedSegment {
  /** The file's bytes, in order. */
  readonly chunks: readonly Buffer[];
  readonly size: number;
  readonly footer: SegmentFooter;
}

/** Collects blocks in file order and hands out their references. */
class BlockSink {
  readonly chunks: Buffer[] = [Buffer.from(HEADER_MAGIC, "latin1")];
  size: number = this.chunks[0].length;

  add(body: Buffer): BlockRef {
    const [compression, rest] = packBlock(body);
    const length = compression.length + rest.length;
    const ref: BlockRef = [this.size, length, crc32(rest, crc32(compression))];
    this.chunks.push(compression, rest);
    this.size += length;
    return ref;
  }

  strings(coded: OrderedStrings): BlockRef {
    return this.add(encodeStringsBody(coded.dictionary, coded.codes));
  }

  variant(v: VariantData): VariantRefs {
    return {
      tags: this.add(encodeTagsBody(v.tags)),
      numberCount: v.numbers.length,
      numbers: v.numbers.length > 0 ? this.add(encodeNumbersBody(v.numbers)) : null,
      stringCount: v.codes.length,
      strings: v.codes.length > 0 ? this.add(encodeStringsBody(v.dictionary, v.codes)) : null,
      otherCount: v.others.length,
      others: v.others.length > 0 ? this.add(encodeStringListBody(v.others)) : null,
    };
  }
}

function bounds(values: Float64Array): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  return { min, max };
}

function writeProperties(sink: BlockSink, columns: SegmentColumns, names: readonly string[]): PropertyRefs[] {
  return names.map((name) => ({ name, ...sink.variant(columns.property(name)) }));
}

export function encodeSegment(columns: SegmentColumns): EncodedSegment {
  if (columns.rows === 0) throw new Error("a segment needs at least one row");
  const sink = new BlockSink();
  const names = Array.from(columns.propertyNames()).sort();
  const indexOf = new Map(names.map((n, i) => [n, i]));
  const timeBounds = bounds(columns.time);
  const offsetBounds = bounds(columns.offset);
  const footer: SegmentFooter = {
    rows: columns.rows,
    minTime: timeBounds.min,
    maxTime: timeBounds.max,
    minOffset: offsetBounds.min,
    maxOffset: offsetBounds.max,
    event: sink.strings(columns.event),
    distinctId: sink.strings(columns.distinctId),
    keyOrder: sink.strings(columns.keyOrder(indexOf)),
    time: sink.add(encodeNumbersBody(columns.time)),
    offset: sink.add(encodeNumbersBody(columns.offset)),
    insertId: sink.variant(columns.insertId),
    originalDistinctId: sink.variant(columns.originalDistinctId),
    properties: writeProperties(sink, columns, names),
  };
  const footerBytes = Buffer.from(JSON.stringify(footer), "utf8");
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeUInt32LE(footerBytes.length, 0);
  trailer.writeUInt32LE(crc32(footerBytes), 4);
  trailer.writeUInt32LE(SEGMENT_VERSION, 8);
  trailer.write(TRAILER_MAGIC, 12, "latin1");
  const chunks = [...sink.chunks, footerBytes, trailer];
  return { chunks, size: sink.size + footerBytes.length + TRAILER_BYTES, footer };
}
