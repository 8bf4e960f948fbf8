// Profile properties as JSON text that keeps its key order. JSON.parse would move integer-like keys
// ("2", "10") ahead of the others, so the top level of a stored object is read member by member into
// a Map; values below the top level are whatever JSON.parse makes of them.

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObjectValue;

export interface JsonObjectValue {
  readonly [key: string]: JsonValue;
}

/** A profile's properties for readers: a null-prototype object, so every name is plain data. */
export type ProfileProperties = JsonObjectValue;

export function isList(value: JsonValue | undefined): value is readonly JsonValue[] {
  return Array.isArray(value);
}

/** Writes a JSON object whose members come in the map's order. */
export function writeObject(members: ReadonlyMap<string, JsonValue>): string {
  let text = "{";
  for (const [key, value] of members) {
    if (text.length > 1) text += ",";
    text += JSON.stringify(key) + ":" + JSON.stringify(value);
  }
  return text + "}";
}

/** Reads a JSON object's members in written order. Throws SyntaxError on text that is not one. */
export function readObject(text: string): Map<string, JsonValue> {
  const members = new Map<string, JsonValue>();
  let i = expect(text, skipSpace(text, 0), "{");
  if (text[i] === "}") return members;
  for (;;) {
    const keyEnd = endOfValue(text, i);
    const key: unknown = JSON.parse(text.slice(i, keyEnd));
    if (typeof key !== "string") throw new SyntaxError(`expected a member name at ${i}`);
    i = expect(text, skipSpace(text, keyEnd), ":");
    const valueEnd = endOfValue(text, i);
    members.set(key, JSON.parse(text.slice(i, valueEnd)) as JsonValue);
    i = skipSpace(text, valueEnd);
    if (text[i] === ",") {
      i = skipSpace(text, i + 1);
      continue;
    }
    expect(text, i, "}");
    return members;
  }
}

/** The map as a null-prototype object (a member named `__proto__` is an own property there). */
export function toProperties(members: ReadonlyMap<string, JsonValue>): ProfileProperties {
  const properties: Record<string, JsonValue> = Object.create(null);
  for (const [key, value] of members) properties[key] = value;
  return properties;
}

/** Structural equality of JSON values; the order of an object's members does not matter. */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (isList(a) || isList(b)) {
    return isList(a) && isList(b) && a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]!));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && jsonEquals(a[k]!, b[k]!));
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  return i;
}

/** Index just past `char` at `i` (and past any space after it). */
function expect(text: string, i: number, char: string): number {
  if (text[i] !== char) throw new SyntaxError(`expected "${char}" at ${i} of a stored profile`);
  return skipSpace(text, i + 1);
}

/** Index just past the JSON value that starts at `start`: brackets are counted, strings skipped. */
function endOfValue(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = endOfString(text, i);
      if (depth === 0) return i;
      continue;
    }
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (c === "," || text.charCodeAt(i) <= 32)) return i;
    i++;
  }
  return i;
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  throw new SyntaxError(`unterminated string at ${start} of a stored profile`);
}
