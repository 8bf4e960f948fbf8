// The event names a query counts, as small numbers: a fixed list (segmentation, events) or every
// name met (events/top, events/names). Per batch the events dictionary is mapped once to a table
// code → number (-1: not wanted), so the scan tests a row's event with one array read.

export class QueryEvents {
  /** Name of each number. */
  readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();

  /** `wanted`: the names to count; null counts every event, numbering names as they are met. */
  constructor(readonly wanted: readonly string[] | null) {
    if (wanted !== null) for (const name of wanted) this.add(name);
  }

  private add(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.names.length;
      this.names.push(name);
      this.numbers.set(name, n);
    }
    return n;
  }

  /** Per code of an events dictionary, its number, or -1 when it is not counted. */
  table(dictionary: readonly string[]): Int32Array {
    const out = new Int32Array(dictionary.length);
    for (let c = 0; c < dictionary.length; c++) {
      const name = dictionary[c];
      out[c] = this.wanted === null ? this.add(name) : (this.numbers.get(name) ?? -1);
    }
    return out;
  }
}
