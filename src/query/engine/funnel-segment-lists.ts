// The segments of `on` for the rows of a per-user scan that may open a pass (a funnel's entry, a
// retention cohort's joining event), kept as short lists of segment ids in one growing array:
// `ids[at]` is how many, and the ids follow. `on` is evaluated while the row's batch is at hand;
// which row really opens a pass is known only once the user's rows are in order.

export class SegmentLists {
  ids = new Int32Array(1024);
  private length = 0;

  /** Stores the first `n` ids of `out`; returns where the list starts. */
  add(out: Int32Array, n: number): number {
    if (this.length + n + 1 > this.ids.length) {
      let size = this.ids.length * 2;
      while (size < this.length + n + 1) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.ids);
      this.ids = grown;
    }
    const at = this.length;
    this.ids[at] = n;
    for (let k = 0; k < n; k++) this.ids[at + 1 + k] = out[k];
    this.length += n + 1;
    return at;
  }
}
