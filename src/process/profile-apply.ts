// Applying one update to one profile, in memory. The store loads a profile, runs every update of a
// batch through here, and writes it back once.
//
// Time order ("an older update never overwrites a newer one") is kept per property: `times` holds
// when each property was last overwritten ($set, $set_once, $unset, the automatic $last_seen), and a
// $delete sets a floor under all of them. An overwrite older than the property's time is ignored,
// while the same update's other, newer properties still apply.
//
// $add, $append, $union and $remove build on the current value rather than replace it, so they are
// not ordered among themselves: each applies whenever it is not older than the last overwrite of its
// property (an increment made before a later $set is lost in that $set, as it would have been in
// time order), and it does not move that property's time. Hence two $appends arriving out of order
// append in arrival order, and a $set_once keeps the first value that arrived.

import { isList, type JsonValue, jsonEquals } from "./profile-json.js";
import type { ProfileOperation, ProfileUpdate } from "./profile-update.js";

export interface ProfileState {
  /** The profile exists (has been written and not deleted since). */
  live: boolean;
  /** In the order they were first set. */
  readonly properties: Map<string, JsonValue>;
  /** Property → ms of the update that last overwrote or unset it. Unset properties keep theirs. */
  readonly times: Map<string, number>;
  /** ms of the latest $delete: updates older than it are ignored. -Infinity when never deleted. */
  deletedAt: number;
  /** Queue offset of the last update seen; -1 before any. */
  lastOffset: number;
}

/** applied: the update was taken into account (parts of it may have been older than the profile). */
export type ApplyOutcome = "applied" | "replayed" | "older-than-delete";

export function emptyProfile(): ProfileState {
  return { live: false, properties: new Map(), times: new Map(), deletedAt: -Infinity, lastOffset: -1 };
}

/**
 * Applies `update`, which sits at `offset` in the queue. An offset at or below the last one seen is a
 * replay after a crash and changes nothing.
 */
export function applyUpdate(state: ProfileState, update: ProfileUpdate, offset: number): ApplyOutcome {
  if (offset <= state.lastOffset) return "replayed";
  state.lastOffset = offset;
  const time = update.time;
  if (time < state.deletedAt) return "older-than-delete";
  for (const operation of update.operations) {
    if (operation.op === "$delete") deleteProfile(state, time);
    else {
      applyOperation(state, operation, time);
      state.live = true;
    }
  }
  if (state.live && !update.ignoreTime) overwrite(state, "$last_seen", lastSeen(time), time);
  return "applied";
}

/** When `key` was last overwritten, or the last $delete if that is later. */
export function writtenAt(state: ProfileState, key: string): number {
  return Math.max(state.times.get(key) ?? -Infinity, state.deletedAt);
}

type Modification = Exclude<ProfileOperation, { op: "$delete" }>;

function applyOperation(state: ProfileState, operation: Modification, time: number): void {
  switch (operation.op) {
    case "$set":
      for (const [key, value] of operation.entries) overwrite(state, key, value, time);
      return;
    case "$set_once":
      for (const [key, value] of operation.entries) {
        if (!state.properties.has(key)) overwrite(state, key, value, time);
      }
      return;
    case "$unset":
      for (const key of operation.keys) {
        if (time < writtenAt(state, key)) continue;
        state.properties.delete(key);
        state.times.set(key, time);
      }
      return;
    default:
      for (const [key, value] of operation.entries) {
        if (time < writtenAt(state, key)) continue;
        const next = combine(operation.op, state.properties.get(key), value);
        if (next !== undefined) state.properties.set(key, next);
      }
  }
}

/**
 * The new value of a property after $add, $append, $union or $remove; undefined leaves it as it is
 * (the current value has the wrong kind: adding to a string, appending to a number).
 */
function combine(op: string, current: JsonValue | undefined, value: JsonValue): JsonValue | undefined {
  switch (op) {
    case "$add":
      if (current === undefined) return value;
      return typeof current === "number" && typeof value === "number" ? current + value : undefined;
    case "$append":
      if (current === undefined) return [value];
      return isList(current) ? [...current, value] : undefined;
    case "$union":
      if (current !== undefined && !isList(current)) return undefined;
      return union(current ?? [], isList(value) ? value : [value]);
    case "$remove":
      return isList(current) ? current.filter((x) => !jsonEquals(x, value)) : undefined;
  }
  return undefined;
}

function union(current: readonly JsonValue[], values: readonly JsonValue[]): JsonValue[] {
  const out = [...current];
  for (const v of values) if (!out.some((x) => jsonEquals(x, v))) out.push(v);
  return out;
}

function overwrite(state: ProfileState, key: string, value: JsonValue, time: number): void {
  if (time < writtenAt(state, key)) return;
  state.properties.set(key, value);
  state.times.set(key, time);
}

/**
 * $delete removes every property not written after it; the floor it leaves makes older updates that
 * arrive later ignored, while a later update creates the profile afresh.
 */
function deleteProfile(state: ProfileState, time: number): void {
  for (const key of [...state.properties.keys()]) {
    if (writtenAt(state, key) <= time) state.properties.delete(key);
  }
  state.deletedAt = Math.max(state.deletedAt, time);
  for (const [key, t] of state.times) if (t <= state.deletedAt) state.times.delete(key);
  state.live = state.properties.size > 0;
}

/** Mixpanel's form: UTC, to the second, no zone suffix. */
function lastSeen(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
