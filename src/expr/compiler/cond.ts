// A filter condition while it is being built for one segment: either known for every row of the
// segment (a boolean), or a JavaScript expression over row `i`. Combining folds the constants, so a
// leaf that cannot match in this segment removes its whole `and` from the generated loop.

export type Cond = boolean | string;

export function andCond(parts: readonly Cond[]): Cond {
  const code: string[] = [];
  for (const part of parts) {
    if (part === false) return false;
    if (part !== true) code.push(part);
  }
  if (code.length === 0) return true;
  return code.length === 1 ? code[0] : `(${code.join(" && ")})`;
}

export function orCond(parts: readonly Cond[]): Cond {
  const code: string[] = [];
  for (const part of parts) {
    if (part === true) return true;
    if (part !== false) code.push(part);
  }
  if (code.length === 0) return false;
  return code.length === 1 ? code[0] : `(${code.join(" || ")})`;
}

export function notCond(part: Cond): Cond {
  return typeof part === "boolean" ? !part : `!(${part})`;
}

/**
 * Generated code reads the segment's arrays and constants as locals `v0`, `v1`, …, and may keep
 * numbers in scratch locals `x0`, `x1`, …
 */
export class Params {
  readonly values: unknown[] = [];
  temps = 0;

  ref(value: unknown): string {
    this.values.push(value);
    return `v${this.values.length - 1}`;
  }

  temp(): string {
    return `x${this.temps++}`;
  }
}
