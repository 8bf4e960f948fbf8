// The manifest of a partition (one project, one day): which segment files are part of it, and the
// highest queue offset sealed into them. It is replaced whole and atomically (durable-fs), so a
// segment file is part of the partition exactly when the manifest on disk names it.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurably } from "./durable-fs.js";
import { corrupt } from "./errors.js";

export const MANIFEST_FILE = "manifest.json";
const VERSION = 1;

export interface SegmentEntry {
  readonly file: string;
  readonly rows: number;
  readonly bytes: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly minOffset: number;
  readonly maxOffset: number;
}

export interface Manifest {
  readonly version: number;
  readonly projectId: number;
  readonly day: string;
  /** Every record of this partition with an offset up to this one is in a segment; -1 for none. */
  readonly sealedThrough: number;
  /** The number the next segment file gets. */
  readonly nextSegment: number;
  readonly segments: readonly SegmentEntry[];
}

export function emptyManifest(projectId: number, day: string): Manifest {
  return { version: VERSION, projectId, day, sealedThrough: -1, nextSegment: 1, segments: [] };
}

function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function checkEntry(e: unknown, where: string): void {
  const ok =
    typeof e === "object" &&
    e !== null &&
    typeof (e as SegmentEntry).file === "string" &&
    /^seg-\d+\.tseg$/.test((e as SegmentEntry).file) &&
    ["rows", "bytes", "minTime", "maxTime", "minOffset", "maxOffset"].every((k) =>
      isNumber((e as Record<string, unknown>)[k]),
    );
  if (!ok) throw corrupt(where, "a segment entry is malformed");
}

/** The partition's manifest, or null when it has none yet. */
export async function readManifest(dir: string): Promise<Manifest | null> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt(path, "manifest is not JSON");
  }
  const m = raw as Manifest;
  if (typeof raw !== "object" || raw === null || m.version !== VERSION) {
    throw corrupt(path, "not a version 1 manifest");
  }
  if (!isNumber(m.sealedThrough) || !isNumber(m.nextSegment) || !Array.isArray(m.segments)) {
    throw corrupt(path, "manifest fields are malformed");
  }
  for (const e of m.segments) checkEntry(e, path);
  return m;
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFileDurably(join(dir, MANIFEST_FILE), [Buffer.from(JSON.stringify(manifest, null, 1), "utf8")]);
}
