// The heads of a write buffer's version 2 records (wal-record.ts), read without parsing a single
// event: what a seal sorts by, and where each event's text lies, so that the events can then be
// parsed one by one in segment order.

import type { RowSource } from "./row-order.js";
import type { CodedStrings } from "./stored-event.js";
import { checkEvent, emptyHead, LENGTH_BYTES, parseJson, partEnd, readHead } from "./wal-record.js";

const WHERE = "write-ahead payload";

/** Dictionary codes of one optional string per row, given out in order of first use. */
class StringCoder implements CodedStrings {
  readonly codes: Int32Array;
  readonly dictionary: string[] = [];
  private readonly codeOf = new Map<string, number>();

  constructor(rows: number) {
    this.codes = new Int32Array(rows).fill(-1);
  }

  set(i: number, text: string | null): void {
    if (text === null) return;
    let code = this.codeOf.get(text);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(text);
      this.codeOf.set(text, code);
    }
    this.codes[i] = code;
  }
}

export class WalHeads implements RowSource {
  readonly length: number;
  readonly offsets: Float64Array;
  readonly time: Float64Array;
  /** 1 where the event's $insert_id is its own, 0 where the server generated it. */
  readonly own: Uint8Array;
  readonly distinctIds: StringCoder;
  readonly originalDistinctIds: StringCoder;
  /** Row i's event text is bytes start[i] … end[i] of payload[i]. */
  private readonly payload: Uint32Array;
  private readonly start: Uint32Array;
  private readonly end: Uint32Array;

  /** `rows`: how many records the payloads hold. */
  constructor(
    private readonly payloads: readonly Buffer[],
    rows: number,
  ) {
    this.length = rows;
    this.offsets = new Float64Array(rows);
    this.time = new Float64Array(rows);
    this.own = new Uint8Array(rows);
    this.distinctIds = new StringCoder(rows);
    this.originalDistinctIds = new StringCoder(rows);
    this.payload = new Uint32Array(rows);
    this.start = new Uint32Array(rows);
    this.end = new Uint32Array(rows);
    const read = this.readAll();
    if (read !== rows) throw new Error(`the payloads hold ${read} rows, not ${rows}`);
  }

  private readAll(): number {
    const head = emptyHead();
    let i = 0;
    for (let p = 0; p < this.payloads.length; p++) {
      const payload = this.payloads[p];
      for (let at = 0; at < payload.length; i++) {
        if (i >= this.length) return i + 1;
        const headEnd = partEnd(payload, at, WHERE);
        readHead(payload, at + LENGTH_BYTES, headEnd, WHERE, head);
        at = partEnd(payload, headEnd, WHERE);
        this.offsets[i] = head.offset;
        this.time[i] = head.time;
        this.own[i] = head.own ? 1 : 0;
        this.distinctIds.set(i, head.distinctId);
        this.originalDistinctIds.set(i, head.originalDistinctId);
        this.payload[i] = p;
        this.start[i] = headEnd + LENGTH_BYTES;
        this.end[i] = at;
      }
    }
    return i;
  }

  /** Row i's event, parsed and checked. */
  event(i: number): ReturnType<typeof checkEvent> {
    const text = this.payloads[this.payload[i]].toString("utf8", this.start[i], this.end[i]);
    return checkEvent(parseJson(text, WHERE), this.own[i] === 1, WHERE);
  }
}
