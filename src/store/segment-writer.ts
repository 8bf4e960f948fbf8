// Encodes batches of stored events into one segment file's bytes (see docs/segment-format.md).
// Sealing a write buffer passes one buffer snapshot; compaction passes the segments it merges.

import { crc32 } from "node:zlib";
import { type BlockRef, packBlock } from "./block.js";
import {
  encodeNumbersBody,
  encodeStringListBody,
  encodeStringsBody,
  encodeTagsBody,
} from "./column-codec.js";
import {
  codedVariant,
  gatherCoded,
  gatherNumbers,
  gatherVariant,
  type VariantData,
} from "./column-gather.js";
import { type RowOrder, sortRows } from "./row-order.js";
import {
  HEADER_MAGIC,
  type PropertyRefs,
  SEGMENT_VERSION,
  type SegmentFooter,
  TRAILER_BYTES,
  TRAILER_MAGIC,
  type VariantRefs,
} from "./segment-format.js";
import type { CodedStrings, EventBatch } from "./stored-event.js";

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
    const stored = packBlock(body);
    const ref: BlockRef = [this.size, stored.length, crc32(stored)];
    this.chunks.push(stored);
    this.size += stored.length;
    return ref;
  }

  strings(coded: { codes: Float64Array; dictionary: readonly string[] }): BlockRef {
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

/** Every row's property order as a list of output property indexes, e.g. "3,0,7". */
function keyOrderStrings(
  order: RowOrder,
  sources: readonly EventBatch[],
  indexOf: ReadonlyMap<string, number>,
): { codes: Float64Array; dictionary: string[] } {
  const coded: CodedStrings[] = sources.map((s) => ({
    codes: s.keyOrders.codes,
    dictionary: s.keyOrders.orders.map((names) => names.map((n) => indexOf.get(n)).join(",")),
  }));
  return gatherCoded(order, coded);
}

function propertyNames(sources: readonly EventBatch[]): string[] {
  const names = new Set<string>();
  for (const s of sources) for (const n of s.propertyNames()) names.add(n);
  return Array.from(names).sort();
}

function writeProperties(
  sink: BlockSink,
  order: RowOrder,
  sources: readonly EventBatch[],
  names: readonly string[],
): PropertyRefs[] {
  return names.map((name) => {
    const data = gatherVariant(
      order,
      sources.map((s) => s.readProperty(name)),
    );
    return { name, ...sink.variant(data) };
  });
}

export function encodeSegment(sources: readonly EventBatch[]): EncodedSegment {
  const order = sortRows(sources);
  if (order.length === 0) throw new Error("a segment needs at least one row");
  const sink = new BlockSink();
  const names = propertyNames(sources);
  const indexOf = new Map(names.map((n, i) => [n, i]));
  const time = gatherNumbers(
    order,
    sources.map((s) => s.time),
  );
  const offset = gatherNumbers(
    order,
    sources.map((s) => s.offsets),
  );
  const timeBounds = bounds(time);
  const offsetBounds = bounds(offset);
  const footer: SegmentFooter = {
    rows: order.length,
    minTime: timeBounds.min,
    maxTime: timeBounds.max,
    minOffset: offsetBounds.min,
    maxOffset: offsetBounds.max,
    event: sink.strings(
      gatherCoded(
        order,
        sources.map((s) => s.events),
      ),
    ),
    distinctId: sink.strings(
      gatherCoded(
        order,
        sources.map((s) => s.distinctIds),
      ),
    ),
    keyOrder: sink.strings(keyOrderStrings(order, sources, indexOf)),
    time: sink.add(encodeNumbersBody(time)),
    offset: sink.add(encodeNumbersBody(offset)),
    insertId: sink.variant(
      codedVariant(
        gatherCoded(
          order,
          sources.map((s) => s.insertIds),
        ),
      ),
    ),
    originalDistinctId: sink.variant(
      codedVariant(
        gatherCoded(
          order,
          sources.map((s) => s.originalDistinctIds),
        ),
      ),
    ),
    properties: writeProperties(sink, order, sources, names),
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
