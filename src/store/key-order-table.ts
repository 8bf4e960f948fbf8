// The order in which a row's properties were sent, interned: rows of one kind (one SDK, one event
// name) share one order, so a batch stores a small code per row and each distinct order once.

/** Whether two key lists are the same, name by name. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Interns key orders: rows of one kind share one. */
export class KeyOrderTable {
  readonly orders: string[][] = [];
  private readonly codeOf = new Map<string, number>();

  code(names: string[]): number {
    // Joined with a separator a name may contain: a hit is confirmed name by name, and a false one
    // falls back to an unambiguous key.
    let key = names.join("\u0001");
    let code = this.codeOf.get(key);
    if (code !== undefined && !sameNames(this.orders[code], names)) {
      key = JSON.stringify(names);
      code = this.codeOf.get(key);
    }
    if (code === undefined) {
      code = this.orders.length;
      this.orders.push(names);
      this.codeOf.set(key, code);
    }
    return code;
  }
}
