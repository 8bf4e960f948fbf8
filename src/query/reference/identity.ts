// Who an event belongs to at query time: its stored id through the alias map, unless that id
// stands for no user (spec/ingestion.md, Events), in which case it belongs to nobody and is left
// out of every count of users.

import { isAnonymousId } from "../../process/alias-anonymous-id.js";
import type { Dataset } from "./dataset.js";

/** True for a distinct id that stands for no user; case-insensitive. */
export const isNoUserId = isAnonymousId;

/**
 * The canonical user of a stored id, or null for no user. Both the stored id and the id it
 * resolves to are checked: an alias can never make "anonymous" somebody.
 */
export function userOf(distinctId: string, aliases: Dataset["aliases"]): string | null {
  if (isNoUserId(distinctId)) return null;
  const canonical = aliases.get(distinctId) ?? distinctId;
  return isNoUserId(canonical) ? null : canonical;
}
