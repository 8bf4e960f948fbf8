// Who a stored distinct id belongs to at query time (src/query/README.md, Identity): its canonical
// id through the alias map, or nobody when the stored id or the id it resolves to means "no user".
// Worked out once per dictionary entry of a batch, never per row.

import { isAnonymousId } from "../../process/alias-anonymous-id.js";
import type { UserNumbering } from "./user-numbering.js";

/** The canonical id of a stored id, or null for nobody. */
export function canonicalUser(storedId: string, aliases: ReadonlyMap<string, string>): string | null {
  if (isAnonymousId(storedId)) return null;
  const canonical = aliases.get(storedId) ?? storedId;
  return isAnonymousId(canonical) ? null : canonical;
}

/** For each entry of a distinct-id dictionary, its user's number, or -1 for nobody. */
export function userNumbers(
  dictionary: readonly string[],
  aliases: ReadonlyMap<string, string>,
  numbering: UserNumbering,
): Int32Array {
  const out = new Int32Array(dictionary.length);
  for (let c = 0; c < dictionary.length; c++) {
    const user = canonicalUser(dictionary[c], aliases);
    out[c] = user === null ? -1 : numbering.numberOf(user);
  }
  return out;
}
