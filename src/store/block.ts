// A block is the unit the footer points at and a checksum covers: one part of one column. Its first
// byte says how the rest is stored: as is, or raw-deflated when that saves at least an eighth (cold
// parts such as dictionaries and JSON texts; bit-packed numbers rarely gain and stay fast to read).

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { corrupt } from "./errors.js";

export const Compression = Object.freeze({ None: 0, Deflate: 1 } as const);

/** Where a block sits in the file: byte offset, byte length, CRC-32 of those bytes. */
export type BlockRef = readonly [offset: number, length: number, crc: number];

const MIN_DEFLATE_INPUT = 64;
/** Level 1: a third of the default level's time on a seal's blocks, for about 1.5% more bytes. */
const DEFLATE = { level: 1 } as const;

const DEFLATE_BYTE = Buffer.of(Compression.Deflate);
const NONE_BYTE = Buffer.of(Compression.None);

/**
 * A block's stored bytes, as two parts to write one after the other (the compression byte, then
 * the rest), so that the body, often megabytes, is not copied behind one byte.
 */
export function packBlock(body: Buffer): readonly [Buffer, Buffer] {
  if (body.length >= MIN_DEFLATE_INPUT) {
    const deflated = deflateRawSync(body, DEFLATE);
    if (deflated.length <= body.length - body.length / 8) return [DEFLATE_BYTE, deflated];
  }
  return [NONE_BYTE, body];
}

export function unpackBlock(stored: Buffer, where: string): Buffer {
  if (stored.length === 0) throw corrupt(where, "empty block");
  const compression = stored[0];
  if (compression === Compression.None) return stored.subarray(1);
  if (compression !== Compression.Deflate) throw corrupt(where, `unknown compression ${compression}`);
  try {
    return inflateRawSync(stored.subarray(1));
  } catch (error) {
    throw corrupt(where, `deflated block does not inflate (${(error as Error).message})`);
  }
}
