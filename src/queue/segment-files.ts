// Where segments live: `<dir>/<first offset, 20 digits>.log`, sorted by name = sorted by offset.

import { readdirSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** A segment as the log tracks it. `size` only ever covers durable, whole records. */
export interface Segment {
  /** Offset of the segment's first record. */
  readonly base: number;
  size: number;
  /** When the log first saw every record in it committed by every consumer; null until then. */
  consumedAt: number | null;
}

const SEGMENT_NAME = /^(\d{20})\.log$/;

export function segmentFileName(base: number): string {
  return String(base).padStart(20, "0") + ".log";
}

export function segmentPath(dir: string, base: number): string {
  return join(dir, segmentFileName(base));
}

/** The segments in `dir`, oldest first, with their sizes on disk. Other files are not segments. */
export async function listSegments(dir: string): Promise<Segment[]> {
  const segments: Segment[] = [];
  for (const base of segmentBases(await readdir(dir))) {
    const { size } = await stat(segmentPath(dir, base));
    segments.push({ base, size, consumedAt: null });
  }
  return segments;
}

/** The first offsets of the segments in `dir`, oldest first, without their sizes. */
export function listSegmentBasesSync(dir: string): number[] {
  return segmentBases(readdirSync(dir));
}

function segmentBases(names: readonly string[]): number[] {
  const bases: number[] = [];
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name);
    if (match !== null) bases.push(Number(match[1]));
  }
  return bases.sort((a, b) => a - b);
}

/** The segment holding `offset` (the last one starting at or before it), or undefined. */
export function segmentFor(segments: readonly Segment[], offset: number): Segment | undefined {
  let found: Segment | undefined;
  for (const segment of segments) {
    if (segment.base > offset) break;
    found = segment;
  }
  return found;
}

/** The first segment after the one starting at `base`; works even once that one was removed. */
export function segmentAfter(segments: readonly Segment[], base: number): Segment | undefined {
  return segments.find((segment) => segment.base > base);
}
