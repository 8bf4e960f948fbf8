// Memory for write-ahead frames, used again once the buffer holding a frame is sealed. A frame lives
// in a SharedArrayBuffer (the sealing worker reads it without a copy); a fresh one costs the kernel's
// zeroed pages on first touch, about ten times the copy that fills it, on the appending thread. The
// store gives a sealed buffer's frames back here (partition.ts) and takes them for new frames.

/** Sizes are rounded up to this, so frames of batches of about one size share memory. */
const GRAIN = 1 << 20;

export class FrameMemory {
  private readonly free: SharedArrayBuffer[] = [];
  private freeBytes = 0;

  /** Keeps at most `maxFreeBytes` of memory given back; the rest is left to the collector. */
  constructor(private readonly maxFreeBytes: number) {}

  /** `size` bytes of shared memory, their content undefined: the caller writes every byte. */
  take(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i].byteLength;
      // At most twice the size: a small frame does not hold a big block of memory.
      if (length >= size && length <= 2 * size + GRAIN && (best < 0 || length < this.free[best].byteLength)) {
        best = i;
      }
    }
    if (best < 0) return Buffer.from(new SharedArrayBuffer(Math.ceil(size / GRAIN) * GRAIN), 0, size);
    const memory = this.free[best];
    this.free[best] = this.free[this.free.length - 1];
    this.free.pop();
    this.freeBytes -= memory.byteLength;
    return Buffer.from(memory, 0, size);
  }

  /** Gives back the memory of a frame no one reads any more. */
  give(memory: ArrayBufferLike): void {
    if (!(memory instanceof SharedArrayBuffer)) return;
    if (this.freeBytes + memory.byteLength > this.maxFreeBytes) return;
    this.free.push(memory);
    this.freeBytes += memory.byteLength;
  }
}

/** The store's frames, in every store of the process. */
export const frameMemory = new FrameMemory(256 << 20);
