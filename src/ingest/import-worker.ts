// A thread that cleans large /import bodies (import-offload.ts): one task at a time, in order.

import { parentPort } from "node:worker_threads";
import { cleanImport, type ImportTask } from "./import-offload.js";

export interface ImportMessage {
  readonly id: number;
  readonly task: ImportTask;
}

const port = parentPort;
if (port === null) throw new Error("import-worker.ts runs as a worker thread");
port.on("message", ({ id, task }: ImportMessage) => {
  const outcome = cleanImport(task);
  port.postMessage({ id, outcome }, outcome.ok ? [outcome.bytes, outcome.lengths] : []);
});
