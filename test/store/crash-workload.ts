// The events the crash test's child appends, shared so the parent can check what came through.

import type { StoredEvent } from "../../src/store/stored-event.js";
import { seededRandom } from "../seeded-random.js";
import { randomEvents } from "./random-events.js";

export const CHILD_BATCH = 40;

export function childEvents(): StoredEvent[] {
  return randomEvents(seededRandom(4242), 4000, 0, Date.UTC(2024, 5, 1) / 1000);
}
