// Distinct ids that mean "no user" (spec/ingestion.md, Events): SDKs and careless integrations send
// them for logged-out traffic, so linking one would merge every anonymous visitor into one person.

const NO_USER = new Set([
  "00000000-0000-0000-0000-000000000000",
  "anon",
  "anonymous",
  "nil",
  "none",
  "null",
  "n/a",
  "na",
  "undefined",
  "unknown",
  "<nil>",
  "0",
  "-1",
  "true",
  "false",
  "[]",
  "{}",
  // Not in Mixpanel's list, but an empty id names nobody either.
  "",
]);

/** True for a distinct id that stands for no user (case-insensitive); such ids are never aliased. */
export function isAnonymousId(id: string): boolean {
  return id.length <= 36 && NO_USER.has(id.toLowerCase());
}
