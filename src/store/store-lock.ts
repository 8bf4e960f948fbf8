// One process owns an event-store directory: two writers would interleave write-ahead frames and
// race on manifests.

import { lockDir, type ReleaseLock } from "../util/dir-lock.js";
import { StoreError } from "./errors.js";

export function lockStoreDir(dir: string): Promise<ReleaseLock> {
  return lockDir(dir, "event store", (message) => new StoreError("store_invalid", message));
}
