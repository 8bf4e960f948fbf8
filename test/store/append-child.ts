// Run by crash.test.ts as a child process (node --import tsx append-child.ts DIR FROM): appends the
// crash workload from offset FROM on, in batches, with small seals and background compaction, and
// prints each batch's last offset once its append has resolved. The parent kills it with SIGKILL.

import { EventStore } from "../../src/store/event-store.js";
import { CHILD_BATCH, childEvents } from "./crash-workload.js";

const [dir, from] = process.argv.slice(2);
const store = await EventStore.open(dir, {
  sealRows: 120,
  compactMinSegments: 3,
  maintenanceIntervalMs: 5,
  onBackgroundError: (e) => process.stderr.write(`background: ${String(e)}\n`),
});
const events = childEvents();
process.stdout.write("open\n");
for (let at = Number(from); at < events.length; at += CHILD_BATCH) {
  const batch = events.slice(at, at + CHILD_BATCH);
  await store.append(1, "Europe/Berlin", batch);
  process.stdout.write(`${batch[batch.length - 1].offset}\n`);
}
await store.close();
