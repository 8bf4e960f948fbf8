// Starting a worker thread on one of Tally's own modules. Compiled code runs the `.js` beside the
// caller; from the TypeScript sources (tests, tsx) a worker does not inherit tsx's loader in Node 20,
// so it is booted through tsx's API instead.

import { Worker, type WorkerOptions } from "node:worker_threads";

/** `name` is the module's file name without extension, beside `callerUrl` (the caller's import.meta.url). */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href);
  const boot = `import("tsx/esm/api").then((tsx) => tsx.tsImport(${entry}, ${JSON.stringify(callerUrl)}))`;
  return new Worker(boot, { ...options, eval: true });
}
