// Turns row objects into a ColumnBatch: how the write buffer is seen by compiled expressions, and
// the first step of sealing a segment.

import { type ColumnBatch, type PropertyColumn, Tag } from "../expr/columns.js";
import type { JsonObject, Value } from "../expr/value.js";

/** Accumulates one property's values row by row. */
export class ColumnWriter {
  readonly tags: Uint8Array;
  numbers: Float64Array | null = null;
  codes: Int32Array | null = null;
  readonly dictionary: string[] = [];
  readonly codeOf = new Map<string, number>();
  readonly others = new Map<number, Value>();

  constructor(readonly length: number) {
    this.tags = new Uint8Array(length);
  }

  set(i: number, value: Value): void {
    if (value === undefined) return;
    if (value === null) this.tags[i] = Tag.Null;
    else if (value === true) this.tags[i] = Tag.True;
    else if (value === false) this.tags[i] = Tag.False;
    else if (typeof value === "number") {
      this.tags[i] = Tag.Number;
      if (this.numbers === null) this.numbers = new Float64Array(this.length).fill(Number.NaN);
      this.numbers[i] = value;
    } else if (typeof value === "string") {
      this.tags[i] = Tag.String;
      if (this.codes === null) this.codes = new Int32Array(this.length).fill(-1);
      let code = this.codeOf.get(value);
      if (code === undefined) {
        code = this.dictionary.length;
        this.dictionary.push(value);
        this.codeOf.set(value, code);
      }
      this.codes[i] = code;
    } else {
      this.tags[i] = Tag.Other;
      this.others.set(i, value);
    }
  }

  finish(): PropertyColumn {
    return {
      tags: this.tags,
      numbers: this.numbers,
      codes: this.codes,
      dictionary: this.dictionary,
      others: this.others,
    };
  }
}

/** Row objects as the columns builder needs them: properties plus an optional user profile. */
export interface RowForColumns {
  readonly properties: JsonObject;
  readonly user?: JsonObject;
}

function buildColumns(objects: readonly (JsonObject | undefined)[]): Map<string, PropertyColumn> {
  const writers = new Map<string, ColumnWriter>();
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i];
    if (obj === undefined) continue;
    for (const key of Object.keys(obj)) {
      let writer = writers.get(key);
      if (writer === undefined) {
        writer = new ColumnWriter(objects.length);
        writers.set(key, writer);
      }
      writer.set(i, obj[key]);
    }
  }
  const columns = new Map<string, PropertyColumn>();
  for (const [key, writer] of writers) columns.set(key, writer.finish());
  return columns;
}

/** The column of property `name` over `objects`; undefined when none of them has it. */
export function buildPropertyColumn(
  objects: readonly (JsonObject | undefined)[],
  name: string,
): PropertyColumn | undefined {
  let writer: ColumnWriter | undefined;
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i];
    if (obj === undefined || !Object.hasOwn(obj, name)) continue;
    writer ??= new ColumnWriter(objects.length);
    writer.set(i, obj[name]);
  }
  return writer?.finish();
}

/**
 * Builds a batch from rows. `time` comes from `properties.time` (seconds); a row without a numeric
 * time gets NaN. The `time` property is kept in `time`, not as a property column.
 */
export function buildColumnBatch(rows: readonly RowForColumns[]): ColumnBatch {
  const time = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const t = Object.hasOwn(rows[i].properties, "time") ? rows[i].properties.time : undefined;
    time[i] = typeof t === "number" ? t : Number.NaN;
  }
  const props = buildColumns(rows.map((r) => r.properties));
  props.delete("time");
  const users = buildColumns(rows.map((r) => r.user));
  return {
    length: rows.length,
    time,
    property: (name) => props.get(name),
    userProperty: (name) => users.get(name),
  };
}
