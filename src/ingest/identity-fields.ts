// Ids as SDKs send them: a string or a number, stored as a string.

/** The id as a string; undefined when it is neither a string nor a finite number. */
export function idString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
