// Folding one person's profile into another's when identity joins them ($create_alias, $identify,
// $merge between two ids that both have profiles).
//
// Rule: every property either profile has survives; where both have it, the value written later
// wins (ties go to the profile being kept), as if both people's updates had gone to one profile. An
// $unset on one profile does not remove the other's property: it was about that person's value.
// Properties of the kept profile come first, in their order, then the other's new ones.

import { type ProfileState, writtenAt } from "./profile-apply.js";
import type { JsonValue } from "./profile-json.js";

export function foldProfile(kept: ProfileState, folded: ProfileState): ProfileState {
  const merged: ProfileState = {
    live: kept.live || folded.live,
    properties: new Map(),
    times: new Map(),
    deletedAt: Math.max(kept.deletedAt, folded.deletedAt),
    lastOffset: Math.max(kept.lastOffset, folded.lastOffset),
  };
  for (const name of new Set([...kept.properties.keys(), ...folded.properties.keys()])) {
    const winner = laterWriter(kept, folded, name);
    merged.properties.set(name, winner.properties.get(name) as JsonValue);
    const time = winner.times.get(name);
    if (time !== undefined) merged.times.set(name, time);
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
