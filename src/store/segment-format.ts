// The segment file's fixed parts and its footer, as docs/segment-format.md describes them:
//   "TALLYSEG" | blocks … | footer (UTF-8 JSON) | trailer (16 bytes)
// trailer = u32 footer length | u32 CRC-32 of the footer | u32 version | "TSEG".
// Property names are user data: in the footer they are string values in a list, never keys.

import type { BlockRef } from "./block.js";
import { corrupt } from "./errors.js";

export const HEADER_MAGIC = "TALLYSEG";
export const TRAILER_MAGIC = "TSEG";
export const SEGMENT_VERSION = 1;
export const HEADER_BYTES = 8;
export const TRAILER_BYTES = 16;
/** A footer larger than this is garbage (it lists blocks, not data). */
export const MAX_FOOTER_BYTES = 64 * 1024 * 1024;

/** The blocks of one variant column: tags, then the values of each kind in row order. */
export interface VariantRefs {
  readonly tags: BlockRef;
  readonly numberCount: number;
  readonly numbers: BlockRef | null;
  readonly stringCount: number;
  readonly strings: BlockRef | null;
  readonly otherCount: number;
  readonly others: BlockRef | null;
}

export interface PropertyRefs extends VariantRefs {
  readonly name: string;
}

export interface SegmentFooter {
  readonly rows: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** Strings blocks with one code per row. */
  readonly event: BlockRef;
  readonly distinctId: BlockRef;
  /** Each entry lists a row's property indexes (into `properties`) in sent order, e.g. "3,0,7". */
  readonly keyOrder: BlockRef;
  /** Numbers blocks with one value per row. */
  readonly time: BlockRef;
  readonly offset: BlockRef;
  readonly insertId: VariantRefs;
  readonly originalDistinctId: VariantRefs;
  readonly properties: readonly PropertyRefs[];
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function isBlockRef(v: unknown): v is BlockRef {
  return Array.isArray(v) && v.length === 3 && v.every(isCount);
}

function field(o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

function checkRef(v: unknown, what: string, where: string, optional = false): void {
  if (optional && v === null) return;
  if (!isBlockRef(v)) throw corrupt(where, `footer: ${what} is not a block reference`);
}

function checkVariant(v: unknown, what: string, where: string): void {
  if (typeof v !== "object" || v === null) throw corrupt(where, `footer: ${what} is not a column`);
  checkRef(field(v, "tags"), `${what}.tags`, where);
  for (const part of ["numbers", "strings", "others"]) {
    const count = field(v, part.slice(0, -1) + "Count");
    if (!isCount(count)) throw corrupt(where, `footer: ${what}.${part} count is not a count`);
    checkRef(field(v, part), `${what}.${part}`, where, count === 0);
  }
}

/** Parses and checks the footer's JSON text, so a reader never trips over a missing member. */
export function parseFooter(text: string, where: string): SegmentFooter {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt(where, "footer is not JSON");
  }
  if (typeof raw !== "object" || raw === null) throw corrupt(where, "footer is not an object");
  for (const key of ["rows", "minOffset", "maxOffset"]) {
    if (!isCount(field(raw, key))) throw corrupt(where, `footer: ${key} is not a count`);
  }
  for (const key of ["minTime", "maxTime"]) {
    if (typeof field(raw, key) !== "number") throw corrupt(where, `footer: ${key} is not a number`);
  }
  for (const key of ["event", "distinctId", "keyOrder", "time", "offset"])
    checkRef(field(raw, key), key, where);
  checkVariant(field(raw, "insertId"), "insertId", where);
  checkVariant(field(raw, "originalDistinctId"), "originalDistinctId", where);
  const properties = field(raw, "properties");
  if (!Array.isArray(properties)) throw corrupt(where, "footer: properties is not a list");
  for (const p of properties) {
    checkVariant(p, "property", where);
    if (typeof field(p, "name") !== "string") throw corrupt(where, "footer: a property has no name");
  }
  return raw as SegmentFooter;
}
