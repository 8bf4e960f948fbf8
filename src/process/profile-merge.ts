// Folding one person's profile into another's when identity joins them ($create_alias, $identify,
// $merge between two ids that both have profiles).
//
// Rule: every property either profile has survives; where both have it, the value written later
// wins (ties go to the profile being kept), as if both people's updates had gone to one profile. An
// $unset on one profile does not remove the other's property: it was about that person's value.
// Properties of the kept profile come first, in their order, then the other's new ones.
//
// Two refinements keep that "as if": a property that neither profile ever overwrote was built by
// $add, $append or $union alone, so the two are combined (numbers added, the other's list elements
// not already there appended) rather than one dropped; and the kept profile's $delete floor stays
// its own, while each property taken from the other carries that profile's floor as its time, so a
// $delete of the other person never hides the kept one's later updates. Not kept: which operation
// wrote a value, so a $set_once on both sides keeps the later value, not the first.

import { type ProfileState, writtenAt } from "./profile-apply.js";
import { isList, type JsonValue, jsonEquals } from "./profile-json.js";

export function foldProfile(kept: ProfileState, folded: ProfileState): ProfileState {
  const merged: ProfileState = {
    live: kept.live || folded.live,
    properties: new Map(),
    times: new Map(),
    deletedAt: kept.deletedAt,
    lastOffset: Math.max(kept.lastOffset, folded.lastOffset),
  };
  for (const name of new Set([...kept.properties.keys(), ...folded.properties.keys()])) {
    const accumulated = accumulate(kept, folded, name);
    if (accumulated !== undefined) {
      merged.properties.set(name, accumulated);
      continue;
    }
    const winner = laterWriter(kept, folded, name);
    merged.properties.set(name, winner.properties.get(name) as JsonValue);
    const time = winner === kept ? kept.times.get(name) : writtenAt(folded, name);
    if (time !== undefined && time > -Infinity) merged.times.set(name, time);
  }
  // Names neither has keep the later unset, so older updates arriving afterwards stay ignored.
  for (const [name, time] of [...kept.times, ...folded.times]) {
    if (merged.properties.has(name)) continue;
    merged.times.set(name, Math.max(time, merged.times.get(name) ?? -Infinity));
  }
  return merged;
}

function laterWriter(kept: ProfileState, folded: ProfileState, name: string): ProfileState {
  if (!folded.properties.has(name)) return kept;
  if (!kept.properties.has(name)) return folded;
  return writtenAt(folded, name) > writtenAt(kept, name) ? folded : kept;
}

/**
 * Both people's values of a property neither ever overwrote ($add, $append, $union only), combined;
 * undefined when that is not the case or the values are not two numbers or two lists.
 */
function accumulate(kept: ProfileState, folded: ProfileState, name: string): JsonValue | undefined {
  if (kept.times.has(name) || folded.times.has(name)) return undefined;
  const a = kept.properties.get(name);
  const b = folded.properties.get(name);
  if (typeof a === "number" && typeof b === "number") return Number.isFinite(a + b) ? a + b : undefined;
  if (isList(a) && isList(b)) return [...a, ...b.filter((item) => !a.some((have) => jsonEquals(have, item)))];
  return undefined;
}
