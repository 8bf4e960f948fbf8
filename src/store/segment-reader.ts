// Opens a segment file: checks the magic, version and footer checksum, then reads single blocks on
// demand, each checked against its CRC-32 before it is decoded. A file that fails any check is
// rejected with an error naming the file and the part, never read as if it were whole.
// The descriptor stays open until `close`, so a segment that compaction unlinks meanwhile still
// reads to the end of a query that holds it.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { crc32 } from "node:zlib";
import { type BlockRef, unpackBlock } from "./block.js";
import { corrupt, StoreError } from "./errors.js";
import {
  HEADER_BYTES,
  HEADER_MAGIC,
  MAX_FOOTER_BYTES,
  parseFooter,
  SEGMENT_VERSION,
  type SegmentFooter,
  TRAILER_BYTES,
  TRAILER_MAGIC,
} from "./segment-format.js";

function readExactly(fd: number, length: number, position: number, where: string): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw corrupt(where, `file ends ${length - done} bytes early at ${position + done}`);
    done += n;
  }
  return buf;
}

function readFooter(fd: number, size: number, where: string): SegmentFooter {
  if (size < HEADER_BYTES + TRAILER_BYTES) throw corrupt(where, `${size} bytes is too short for a segment`);
  if (readExactly(fd, HEADER_BYTES, 0, where).toString("latin1") !== HEADER_MAGIC) {
    throw corrupt(where, "not a segment file (bad magic)");
  }
  const trailer = readExactly(fd, TRAILER_BYTES, size - TRAILER_BYTES, where);
  if (trailer.toString("latin1", 12, 16) !== TRAILER_MAGIC) throw corrupt(where, "bad trailer magic");
  const version = trailer.readUInt32LE(8);
  if (version !== SEGMENT_VERSION) throw corrupt(where, `unsupported segment version ${version}`);
  const footerLength = trailer.readUInt32LE(0);
  const footerStart = size - TRAILER_BYTES - footerLength;
  if (footerLength > MAX_FOOTER_BYTES || footerStart < HEADER_BYTES) {
    throw corrupt(where, `footer length ${footerLength} does not fit the file`);
  }
  const footerBytes = readExactly(fd, footerLength, footerStart, where);
  if (crc32(footerBytes) !== trailer.readUInt32LE(4)) throw corrupt(where, "footer checksum mismatch");
  return parseFooter(footerBytes.toString("utf8"), where);
}

export class SegmentFile {
  private fd: number | null;
  private readonly blocksEnd: number;

  private constructor(
    readonly path: string,
    fd: number,
    readonly footer: SegmentFooter,
    readonly size: number,
  ) {
    this.fd = fd;
    this.blocksEnd = size - TRAILER_BYTES;
  }

  /** Opens `path`; with a footer already read (and checked) once, skips reading it again. */
  static open(path: string, known?: { footer: SegmentFooter; size: number }): SegmentFile {
    const fd = openSync(path, "r");
    try {
      const size = known?.size ?? fstatSync(fd).size;
      const footer = known?.footer ?? readFooter(fd, size, path);
      return new SegmentFile(path, fd, footer, size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** The body of one block, after its checksum held; `what` names it in errors. */
  readBlock(ref: BlockRef, what: string): Buffer {
    if (this.fd === null) throw new StoreError("store_closed", `${this.path}: segment is closed`);
    const where = `${this.path} (${what})`;
    const [offset, length, crc] = ref;
    if (offset < HEADER_BYTES || offset + length > this.blocksEnd) {
      throw corrupt(where, `block ${offset}+${length} lies outside the file`);
    }
    const stored = readExactly(this.fd, length, offset, where);
    if (crc32(stored) !== crc) throw corrupt(where, "block checksum mismatch");
    return unpackBlock(stored, where);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
