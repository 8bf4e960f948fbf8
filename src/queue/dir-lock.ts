// One process owns a queue directory: two writers appending to the same segment would overwrite each
// other's records.

import { lockDir, type ReleaseLock } from "../util/dir-lock.js";
import { QueueError } from "./queue.js";

export type { ReleaseLock };

export function lockQueueDir(dir: string): Promise<ReleaseLock> {
  return lockDir(dir, "queue", (message) => new QueueError("queue_locked", message));
}
