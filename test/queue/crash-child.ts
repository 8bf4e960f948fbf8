// Run by log-crash.test.ts as `node --import tsx crash-child.ts DIR SEGMENT_BYTES`: several
// concurrent clients append until the process is killed, each printing "offset id" for every record
// once its append has resolved, i.e. once the log has promised the record is durable.

import { openLog } from "../../src/queue/log.js";
import { crashPayload } from "./crash-payload.js";

const CLIENTS = 8;
const [dir, segmentBytes] = process.argv.slice(2);
const log = await openLog({ dir, segmentBytes: Number(segmentBytes) });
let sequence = 0;

async function client(name: string): Promise<never> {
  for (;;) {
    const ids = Array.from({ length: 1 + (sequence % 5) }, () => `${name}-${sequence++}`);
    const receipt = await log.append(ids.map(crashPayload));
    process.stdout.write(ids.map((id, i) => `${receipt.first + i} ${id}\n`).join(""));
  }
}

await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(`c${c}`)));
