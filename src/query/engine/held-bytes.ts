// What values hold in memory, as the engine cache charges them: at most, so that its bound is one.
// Typed arrays are their byte length; strings and parsed values are estimated from V8's layout.

/** A string: two bytes a character (one for Latin-1 text), its header, and the slot that holds it. */
export function stringBytes(s: string): number {
  return 2 * s.length + 32;
}

/** A parsed JSON value (a list or an object a column keeps as an `other`). */
export function valueBytes(v: unknown): number {
  if (typeof v === "string") return stringBytes(v);
  if (v === null || typeof v !== "object") return 16;
  let bytes = 32;
  if (Array.isArray(v)) for (const item of v) bytes += 8 + valueBytes(item);
  else for (const [key, item] of Object.entries(v)) bytes += stringBytes(key) + 8 + valueBytes(item);
  return bytes;
}
