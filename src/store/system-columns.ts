// The system columns seen as expression columns (`properties["distinct_id"]` and friends), and the
// rebuilding of a properties object for export, shared by segments and buffer snapshots.

import { type PropertyColumn, Tag } from "../expr/columns.js";
import type { JsonObject, Value } from "../expr/value.js";
import { type CodedStrings, type EventBatch, SystemProperty } from "./stored-event.js";

const NO_OTHERS: ReadonlyMap<number, Value> = new Map();

/** A string column over dictionary codes; undefined when no row has a string. */
export function codedColumn(coded: CodedStrings): PropertyColumn | undefined {
  const tags = new Uint8Array(coded.codes.length);
  let any = false;
  for (let i = 0; i < tags.length; i++) {
    if (coded.codes[i] < 0) continue;
    tags[i] = Tag.String;
    any = true;
  }
  if (!any) return undefined;
  return { tags, numbers: null, codes: coded.codes, dictionary: coded.dictionary, others: NO_OTHERS };
}

/**
 * `distinct_id` as each event was sent, as expressions read it: the original id where ingestion
 * resolved it to another (`stored`, the distinct id column, holds the resolved one).
 */
export function sentDistinctIds(stored: CodedStrings, original: CodedStrings): CodedStrings {
  if (original.dictionary.length === 0) return stored;
  const base = stored.dictionary.length;
  const codes = new Int32Array(stored.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const o = original.codes[i];
    codes[i] = o >= 0 ? base + o : stored.codes[i];
  }
  return { codes, dictionary: [...stored.dictionary, ...original.dictionary] };
}

/** The system column behind a reserved property name, or null when `name` is an ordinary property. */
export function systemColumn(batch: EventBatch, name: string): PropertyColumn | undefined | null {
  switch (name) {
    case SystemProperty.DistinctId:
      return codedColumn(batch.distinctIds);
    case SystemProperty.InsertId:
      return codedColumn(batch.insertIds);
    case SystemProperty.OriginalDistinctId:
      return codedColumn(batch.originalDistinctIds);
    default:
      return null;
  }
}

/** A properties object with `names` set in order; `__proto__` becomes an own data key, as JSON.parse makes it. */
export function buildProperties(names: readonly string[], read: (name: string) => Value): JsonObject {
  const out: Record<string, Value> = {};
  for (const name of names) {
    const value = read(name);
    if (value === undefined) continue;
    if (name === "__proto__") {
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** A string for a code, or undefined for -1. */
export function codedValue(coded: CodedStrings, i: number): string | undefined {
  const code = coded.codes[i];
  return code < 0 ? undefined : coded.dictionary[code];
}
