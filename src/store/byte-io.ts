// Little-endian byte writing and bounds-checked reading, shared by every block encoding. A read past
// the end of a block is corruption (the checksum passed, so the writer and reader disagree), and is
// reported as such rather than read as zeros.

import { corrupt } from "./errors.js";

export class ByteWriter {
  private buf = Buffer.allocUnsafe(256);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + extra));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** A u32 byte length, then `b`: how a nested part is framed so a reader can skip or bound it. */
  sized(b: Uint8Array): void {
    this.u32(b.length);
    this.bytes(b);
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    readonly where: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  need(n: number): void {
    if (this.pos + n > this.end) {
      throw corrupt(this.where, `needs ${n} bytes at ${this.pos}, block ends at ${this.end}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Skips `n` bytes and returns where they started. */
  skip(n: number): number {
    this.need(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Reads a `sized` part: a reader bounded to it, and moves past it. */
  sized(): ByteReader {
    const n = this.u32();
    const at = this.skip(n);
    return new ByteReader(this.buf, this.where, at, at + n);
  }

  /** Checks that the part was read to its end: trailing bytes mean writer and reader disagree. */
  done(): void {
    if (this.pos !== this.end) throw corrupt(this.where, `${this.end - this.pos} unread bytes at the end`);
  }
}
