// Canonical users as dense numbers, so that counting distinct users is bit-setting in typed arrays
// rather than hashing strings. One numbering lives as long as the alias map it was made under
// (numbers of one map mean nothing under another), and no longer than the engine cache keeps it.

import { stringBytes } from "./held-bytes.js";

/** V8 keeps a substring this long as a view into its parent string, which then stays alive. */
const SLICED_MIN_LENGTH = 13;

/**
 * A string holding only its own characters. An id read from a segment is cut from the text of the
 * segment's whole dictionary; kept as it is, it would keep that text alive after the column goes.
 */
function ownCopy(s: string): string {
  // Concatenation makes a new flat string once sliced; the slice then views only that.
  return s.length < SLICED_MIN_LENGTH ? s : (" " + s).slice(1);
}

export class UserNumbering {
  private readonly numbers = new Map<string, number>();
  /** Canonical id of each number. */
  readonly ids: string[] = [];
  /** What the numbering holds, at most: each id's string (and its copy's parent), Map entry and slot. */
  bytes = 256;

  numberOf(canonicalId: string): number {
    let n = this.numbers.get(canonicalId);
    if (n === undefined) {
      n = this.ids.length;
      const id = ownCopy(canonicalId);
      this.ids.push(id);
      this.numbers.set(id, n);
      this.bytes += stringBytes(id) + 64;
    }
    return n;
  }

  get size(): number {
    return this.ids.length;
  }
}
