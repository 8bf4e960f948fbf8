// How a record sits in a segment file: crc32 (4 bytes LE) | length (4 bytes LE) | payload. The CRC
// covers the length field and the payload, so a zeroed or torn header never passes as a record.
// Hot path: one crc32 call per record, no allocation beyond the group's single Buffer.

import { crc32 } from "node:zlib";

export const RECORD_HEADER_BYTES = 8;

/** The format's ceiling on a payload; a length field above it can only be garbage. */
export const MAX_RECORD_BYTES = 1 << 30;

/** `checkFrame` outcomes other than a payload length. */
export const FRAME_INCOMPLETE = -1;
export const FRAME_CORRUPT = -2;

/** Bytes the payloads take once framed. */
export function framedSize(payloads: readonly Buffer[]): number {
  let size = 0;
  for (const payload of payloads) size += RECORD_HEADER_BYTES + payload.length;
  return size;
}

/** Frames `payloads` into `out` from byte `at` on; returns the position after the last one. */
export function encodeRecords(out: Buffer, at: number, payloads: readonly Buffer[]): number {
  let p = at;
  for (const payload of payloads) {
    const end = p + RECORD_HEADER_BYTES + payload.length;
    out.writeUInt32LE(payload.length, p + 4);
    payload.copy(out, p + RECORD_HEADER_BYTES);
    out.writeUInt32LE(crc32(out.subarray(p + 4, end)), p);
    p = end;
  }
  return p;
}

/**
 * Looks at the frame starting at `at` in `buf[0, end)`: its payload length when it is whole (and, if
 * `verify`, its checksum holds), FRAME_INCOMPLETE when the bytes stop before it ends, FRAME_CORRUPT
 * when it cannot be a record.
 */
export function checkFrame(buf: Buffer, at: number, end: number, verify: boolean): number {
  if (end - at < RECORD_HEADER_BYTES) return FRAME_INCOMPLETE;
  const length = buf.readUInt32LE(at + 4);
  if (length > MAX_RECORD_BYTES) return FRAME_CORRUPT;
  const frameEnd = at + RECORD_HEADER_BYTES + length;
  if (frameEnd > end) return FRAME_INCOMPLETE;
  if (verify && crc32(buf.subarray(at + 4, frameEnd)) !== buf.readUInt32LE(at)) return FRAME_CORRUPT;
  return length;
}
