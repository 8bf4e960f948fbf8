// Settings every subcommand shares, each from a flag, else the environment, else the embedded default.
import { resolve } from "node:path";

export function dataDirFrom(flag: string | undefined): string {
  return resolve(flag ?? process.env.TALLY_DATA_DIR ?? "./data");
}

export function portFrom(flag: string | undefined): number {
  const raw = flag ?? process.env.TALLY_PORT ?? "8080";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: "${raw}" is not a port number`);
  return port;
}

export function hostFrom(flag: string | undefined): string {
  return flag ?? process.env.TALLY_HOST ?? "127.0.0.1";
}

/** Threads that decode cold queries' segments; undefined leaves the engine's default (cores, at most 4). */
export function queryWorkersFrom(flag: string | undefined): number | undefined {
  return threadCount("--query-workers", flag ?? process.env.TALLY_QUERY_WORKERS);
}

/** Threads that clean large /import bodies; undefined leaves the default (cores, 2 to 4). */
export function importThreadsFrom(flag: string | undefined): number | undefined {
  return threadCount("--import-threads", flag ?? process.env.TALLY_IMPORT_THREADS);
}

function threadCount(option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const count = Number(raw);
  if (!/^\d{1,2}$/.test(raw) || count > 64)
    throw new Error(`${option}: "${raw}" is not a thread count from 0 to 64`);
  return count;
}
