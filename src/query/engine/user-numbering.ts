// Canonical users as dense numbers, so that counting distinct users is bit-setting in typed arrays
// rather than hashing strings. One numbering lives as long as the alias map it was made under:
// numbers of one map mean nothing under another.

export class UserNumbering {
  private readonly numbers = new Map<string, number>();
  /** Canonical id of each number. */
  readonly ids: string[] = [];

  numberOf(canonicalId: string): number {
    let n = this.numbers.get(canonicalId);
    if (n === undefined) {
      n = this.ids.length;
      this.ids.push(canonicalId);
      this.numbers.set(canonicalId, n);
    }
    return n;
  }

  get size(): number {
    return this.ids.length;
  }
}
