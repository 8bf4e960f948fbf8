// The shape rules every property map obeys — event properties and the values of profile
// operations: at most 255 names of at most 255 bytes, values nested at most 3 deep, lists of at
// most 255 items, and on the real-time endpoints strings cut to 255 characters.
// Hot path: no allocation unless a record fails or a string is cut; for-in over JSON.parse objects,
// whose prototype (Object.prototype) has no enumerable keys.

import { MAX_LIST_ITEMS, MAX_NAME_BYTES, MAX_NESTING, MAX_PROPERTIES, MAX_STRING_CHARS } from "./limits.js";
import { problem, type RecordProblem, within } from "./record-problem.js";

/**
 * Checks `map` in place, cutting long strings when `cut` is set. `depth` is how many containers
 * already enclose the map's values (0 for a record's own properties). Problems name the field
 * relative to `map`.
 */
export function checkPropertyMap(
  map: Record<string, unknown>,
  cut: boolean,
  depth: number,
): RecordProblem | undefined {
  let count = 0;
  for (const name in map) {
    if (++count > MAX_PROPERTIES) {
      return problem("", "too_many_properties", `more than ${MAX_PROPERTIES} properties`);
    }
    if (exceedsBytes(name, MAX_NAME_BYTES)) {
      return problem(
        fieldName(name),
        "property_name_too_long",
        `property name is longer than ${MAX_NAME_BYTES} bytes`,
      );
    }
    const value = map[name];
    if (typeof value === "string") {
      // Assigning to an own key found by for-in never reaches a setter, even for "__proto__".
      if (cut && value.length > MAX_STRING_CHARS) map[name] = cutString(value);
    } else if (typeof value === "object" && value !== null) {
      const found = checkContainer(value, cut, depth + 1);
      if (found !== undefined) return within(fieldName(name), found);
    }
  }
  return undefined;
}

/** Checks an object or list value that sits `level` containers deep. */
function checkContainer(value: object, cut: boolean, level: number): RecordProblem | undefined {
  if (level > MAX_NESTING) {
    return problem("", "nesting_too_deep", `objects and lists nest more than ${MAX_NESTING} levels deep`);
  }
  if (Array.isArray(value)) return checkList(value, cut, level);
  return checkPropertyMap(value as Record<string, unknown>, cut, level);
}

function checkList(list: unknown[], cut: boolean, level: number): RecordProblem | undefined {
  if (list.length > MAX_LIST_ITEMS) {
    return problem("", "list_too_long", `list has ${list.length} items: at most ${MAX_LIST_ITEMS}`);
  }
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item === "string") {
      if (cut && item.length > MAX_STRING_CHARS) list[i] = cutString(item);
    } else if (typeof item === "object" && item !== null) {
      const found = checkContainer(item, cut, level + 1);
      if (found !== undefined) return within(String(i), found);
    }
  }
  return undefined;
}

/** True when the UTF-8 form of `text` is longer than `max` bytes, counted only when it could be. */
export function exceedsBytes(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text) > max;
}

/**
 * The first 255 characters, counted as code points (an emoji is one, though JavaScript counts two
 * units); the text itself when it has no more. Callers test `length > 255` first, which no text of
 * more than 255 characters passes.
 */
export function cutString(text: string): string {
  let end = 0;
  for (let chars = 0; chars < MAX_STRING_CHARS && end < text.length; chars++) {
    end += isHighSurrogate(text.charCodeAt(end)) && isLowSurrogate(text.charCodeAt(end + 1)) ? 2 : 1;
  }
  return end >= text.length ? text : text.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** A field name fit for a message: a 10 kB key is quoted by its start. */
export function fieldName(name: string): string {
  return name.length <= 64 ? name : name.slice(0, 61) + "...";
}
