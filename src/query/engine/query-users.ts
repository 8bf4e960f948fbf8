// The users one query meets, numbered densely from 0 so that per-bucket sets of users are small
// bitmaps. Maps the numbering kept under the alias map (which spans every query) to this query's.

export class QueryUsers {
  private local = new Int32Array(1024).fill(-1);
  count = 0;

  /** Per code of a batch's distinct-id dictionary, the query's number of its user (-1: nobody). */
  localNumbers(globalByCode: Int32Array): Int32Array {
    const out = new Int32Array(globalByCode.length);
    for (let c = 0; c < globalByCode.length; c++) {
      const g = globalByCode[c];
      out[c] = g < 0 ? -1 : this.localOf(g);
    }
    return out;
  }

  private localOf(g: number): number {
    if (g >= this.local.length) {
      let size = this.local.length * 2;
      while (size <= g) size *= 2;
      const grown = new Int32Array(size).fill(-1);
      grown.set(this.local);
      this.local = grown;
    }
    let n = this.local[g];
    if (n < 0) {
      n = this.count++;
      this.local[g] = n;
    }
    return n;
  }
}
