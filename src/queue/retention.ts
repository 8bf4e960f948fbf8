// Which segments may go: all of a segment's records are committed by every consumer, and it has
// stayed that way for the retention period (kept for backups and replays), or the disk is full.

import { unlinkSync } from "node:fs";
import { isMissingFile } from "./file-io.js";
import type { Offset } from "./queue.js";
import { type Segment, segmentPath } from "./segment-files.js";

export interface RetentionRules {
  readonly dir: string;
  /** The lowest offset committed by all consumers. */
  readonly floor: Offset;
  readonly now: number;
  readonly retentionMs: number;
  /** Remove consumed segments now, retention or not: the disk bound is hit. */
  readonly force: boolean;
}

/**
 * Removes the oldest segments the rules allow from the front of `segments`; never the tail. Returns
 * the bytes freed. Synchronous so the segment list never changes under a removal in flight; it has
 * work about once per segment.
 */
export function removeConsumedSegments(segments: Segment[], rules: RetentionRules): number {
  let freed = 0;
  while (segments.length > 1 && segments[1].base <= rules.floor) {
    const oldest = segments[0];
    oldest.consumedAt ??= rules.now;
    if (!rules.force && rules.now - oldest.consumedAt < rules.retentionMs) break;
    if (!removeSegmentFile(segmentPath(rules.dir, oldest.base))) break;
    freed += oldest.size;
    segments.shift();
  }
  return freed;
}

/** False when the file could not be removed: it stays counted, and the next sweep tries again. */
function removeSegmentFile(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    return isMissingFile(error);
  }
}
