// A Tally process for the crash test: small seal and compaction thresholds so that a kill lands
// in the middle of sealing and compaction as well as processing. Prints its port on stdout.
import { createLogger } from "../../src/server/log.js";
import { startTally } from "../../src/server/tally.js";

const dataDir = process.argv[2];
const tally = await startTally({
  dataDir,
  host: "127.0.0.1",
  port: 0,
  logger: createLogger(() => {}),
  storeOptions: { sealRows: 1000, compactMinSegments: 2, maintenanceIntervalMs: 20, maxSegmentRows: 5000 },
});
const project = tally.createdProject ?? tally.registry.list()[0];
process.stdout.write(
  `${JSON.stringify({ port: tally.port, secret: project.secret, token: project.token })}\n`,
);
