// What the log's own thread tells a consumer in another thread about the log, through shared memory
// rather than messages: the durable offset, the tail segment and how far it is durable, whether the
// log is closed, and a counter to sleep on until an append is durable. The writer (the log) updates
// it after every durable group for the price of a few stores; a reader wakes only when it asked to.
//
// Layout of the SharedArrayBuffer: Int32 slots first, then Float64 slots. The Float64 fields are
// written under a sequence lock (SEQ odd while they change), so a reader never sees half an update.

const SEQ = 0;
/** Bumped after every durable group and on close: what a waiting reader sleeps on. */
const WAKE = 1;
/** 1 while a reader sleeps on WAKE; the writer notifies only then. */
const WAITING = 2;
/** Bumped whenever segments other than the tail change: a new tail, a removal. */
const SEGMENTS = 3;
const CLOSED = 4;
const INT_SLOTS = 8;

const NEXT_OFFSET = 0;
const TAIL_BASE = 1;
const TAIL_END = 2;
const FLOAT_SLOTS = 3;

export const LOG_SHARE_BYTES = INT_SLOTS * 4 + FLOAT_SLOTS * 8;

/** One consistent reading of the shared fields. */
export interface LogPosition {
  /** The offset after the last durable record. */
  readonly nextOffset: number;
  /** The tail segment's first offset, and the byte end of its durable records. */
  readonly tailBase: number;
  readonly tailEnd: number;
  /** Changes whenever a segment other than the tail appears or goes. */
  readonly segmentsVersion: number;
  readonly closed: boolean;
}

function views(buffer: SharedArrayBuffer): { ints: Int32Array; floats: Float64Array } {
  if (buffer.byteLength !== LOG_SHARE_BYTES) throw new RangeError("not a log share");
  return { ints: new Int32Array(buffer, 0, INT_SLOTS), floats: new Float64Array(buffer, INT_SLOTS * 4) };
}

/** The log's side: the only writer. */
export class LogShareWriter {
  readonly buffer = new SharedArrayBuffer(LOG_SHARE_BYTES);
  readonly #ints: Int32Array;
  readonly #floats: Float64Array;

  constructor(nextOffset: number, tailBase: number, tailEnd: number) {
    ({ ints: this.#ints, floats: this.#floats } = views(this.buffer));
    this.publish(nextOffset, tailBase, tailEnd);
  }

  /** Records up to `nextOffset` are durable, the tail (starting at `tailBase`) up to byte `tailEnd`. */
  publish(nextOffset: number, tailBase: number, tailEnd: number): void {
    const ints = this.#ints;
    if (this.#floats[TAIL_BASE] !== tailBase) Atomics.add(ints, SEGMENTS, 1);
    Atomics.add(ints, SEQ, 1);
    this.#floats[NEXT_OFFSET] = nextOffset;
    this.#floats[TAIL_BASE] = tailBase;
    this.#floats[TAIL_END] = tailEnd;
    Atomics.add(ints, SEQ, 1);
    this.#wake();
  }

  /** Segments before the tail were removed. */
  segmentsChanged(): void {
    Atomics.add(this.#ints, SEGMENTS, 1);
  }

  close(): void {
    Atomics.store(this.#ints, CLOSED, 1);
    this.#wake();
  }

  #wake(): void {
    const ints = this.#ints;
    Atomics.add(ints, WAKE, 1);
    // A notify costs a wake-up of the reader's thread: only when it sleeps.
    if (Atomics.load(ints, WAITING) === 1 && Atomics.exchange(ints, WAITING, 0) === 1)
      Atomics.notify(ints, WAKE);
  }
}

/** A consumer's side: reads the fields and sleeps until they change. */
export class LogShareReader {
  readonly #ints: Int32Array;
  readonly #floats: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    ({ ints: this.#ints, floats: this.#floats } = views(buffer));
  }

  read(): LogPosition {
    const ints = this.#ints;
    const floats = this.#floats;
    for (;;) {
      const before = Atomics.load(ints, SEQ);
      const nextOffset = floats[NEXT_OFFSET];
      const tailBase = floats[TAIL_BASE];
      const tailEnd = floats[TAIL_END];
      const segmentsVersion = Atomics.load(ints, SEGMENTS);
      if ((before & 1) === 0 && Atomics.load(ints, SEQ) === before) {
        return { nextOffset, tailBase, tailEnd, segmentsVersion, closed: Atomics.load(ints, CLOSED) === 1 };
      }
    }
  }

  /**
   * Resolves once the log published something after `seen` (a WAKE count from `wakeCount`), or after
   * `timeoutMs` at the latest. Take the count before checking whether there is anything to read, so
   * that a publish between the check and the sleep is not slept through.
   */
  async changed(seen: number, timeoutMs: number): Promise<void> {
    Atomics.store(this.#ints, WAITING, 1);
    const waited = Atomics.waitAsync(this.#ints, WAKE, seen, timeoutMs);
    if (waited.async) await waited.value;
  }

  wakeCount(): number {
    return Atomics.load(this.#ints, WAKE);
  }
}
