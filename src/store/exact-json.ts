// JSON text that reads back as exactly the same value: like JSON.stringify, except that -0 is
// written "-0" (JSON.parse reads that back as -0; JSON.stringify would write 0). Keys are taken with
// Object.keys, so `__proto__` is written as the own data key it is, and JSON.parse makes it one again.
// Hot path (write-ahead frames): a walk that only looks for -0, then the native JSON.stringify; the
// slow exact writer runs only for the rare value that holds a -0.

/** Whether a -0 hides anywhere in `value`. */
export function hasNegativeZero(value: unknown): boolean {
  if (typeof value === "number") return value === 0 && 1 / value < 0;
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNegativeZero(value[i])) return true;
    return false;
  }
  const record = value as Readonly<Record<string, unknown>>;
  // An own key, so this read never reaches the prototype.
  for (const key of Object.keys(record)) if (hasNegativeZero(record[key])) return true;
  return false;
}

function writeExact(value: unknown): string | undefined {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : JSON.stringify(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += writeExact(value[i]) ?? "null";
    }
    return out + "]";
  }
  let out = "{";
  let first = true;
  const record = value as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(record)) {
    const text = writeExact(record[key]);
    if (text === undefined) continue;
    out += (first ? "" : ",") + JSON.stringify(key) + ":" + text;
    first = false;
  }
  return out + "}";
}

export function stringifyExact(value: unknown): string | undefined {
  return hasNegativeZero(value) ? writeExact(value) : JSON.stringify(value);
}

/**
 * Whether `a` and `b` (values as JSON.parse makes them) have the same exact text (stringifyExact),
 * found without writing either: numbers alike by Object.is (-0 is not 0), object keys alike and in
 * the same order.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "number" || Object.is(a, b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Readonly<Record<string, unknown>>;
  const y = b as Readonly<Record<string, unknown>>;
  const keys = Object.keys(x);
  const others = Object.keys(y);
  if (keys.length !== others.length) return false;
  for (let k = 0; k < keys.length; k++) {
    // Own keys, so these reads never reach the prototype.
    if (keys[k] !== others[k] || !sameJson(x[keys[k]], y[keys[k]])) return false;
  }
  return true;
}
