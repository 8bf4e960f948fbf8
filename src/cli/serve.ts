import type { Command } from "commander";
import type { Project } from "../projects/project.js";
import { createLogger } from "../server/log.js";
import { startTally } from "../server/tally.js";
import { dataDirFrom, hostFrom, importThreadsFrom, portFrom, queryWorkersFrom } from "./options.js";

interface ServeOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  trustProxy?: boolean;
  queryWorkers?: string;
  importThreads?: string;
}

function printWelcome(p: Project, host: string, port: number): void {
  const data = Buffer.from(
    JSON.stringify([{ event: "Hello", properties: { token: p.token, distinct_id: "me" } }]),
  );
  console.log(`Created the project "${p.name}" (id ${p.id}).
  token:      ${p.token}
  API secret: ${p.secret}
Send a first event:
  curl 'http://${host}:${port}/track?verbose=1&data=${data.toString("base64url")}'
Read it back:
  curl -u ${p.secret}: "http://${host}:${port}/api/2.0/export?from_date=$(date -u +%F)&to_date=$(date -u +%F)"`);
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the Tally server on its embedded defaults")
    .option("--port <port>", "port to listen on (env TALLY_PORT, default 8080)")
    .option("--host <host>", "address to listen on (env TALLY_HOST, default 127.0.0.1; 0.0.0.0 to expose)")
    .option("--data-dir <dir>", "data directory (env TALLY_DATA_DIR, default ./data)")
    .option("--trust-proxy", "take ip=1 client addresses from X-Forwarded-For")
    .option(
      "--query-workers <n>",
      "threads that decode cold queries' segments (env TALLY_QUERY_WORKERS; default: cores, at most 4; 0: none)",
    )
    .option(
      "--import-threads <n>",
      "threads that clean large /import bodies (env TALLY_IMPORT_THREADS; default: cores, 2 to 4; 0: none)",
    )
    .action(async (opts: ServeOptions) => {
      const log = createLogger();
      const host = hostFrom(opts.host);
      const dataDir = dataDirFrom(opts.dataDir);
      const tally = await startTally({
        dataDir,
        host,
        port: portFrom(opts.port),
        trustProxy: opts.trustProxy,
        queryWorkers: queryWorkersFrom(opts.queryWorkers),
        importThreads: importThreadsFrom(opts.importThreads),
        logger: log,
      });
      if (tally.createdProject) printWelcome(tally.createdProject, host, tally.port);
      log.info("tally: listening", { host, port: tally.port, dataDir });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info("tally: stopping", { signal });
        tally.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error("tally: unclean stop", { error: String(err) });
            process.exit(1);
          },
        );
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    });
}
