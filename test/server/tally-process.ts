// `tally` run from source as a real child process, the way a user runs it. Every child a test starts
// is killed when that test ends, whatever happened in it.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface TallyProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit. */
  stop(): Promise<Exit>;
  /** SIGKILL, then the exit: a crash at an arbitrary moment. */
  kill(): Promise<Exit>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServeOptions {
  readonly args?: readonly string[];
  /** Added to a copy of this process's environment, with every TALLY_ variable removed first. */
  readonly env?: Readonly<Record<string, string>>;
}

function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("TALLY_")) env[name] = value;
  return { ...env, ...extra };
}

/** How to end each child a test started (test/server/helpers.ts tempDataDir waits for them). */
const childrenOf = new WeakMap<TestContext, (() => Promise<void>)[]>();

/**
 * Kills what is left of the children `t` started. A test's after-hooks run in the order they were
 * added and stop at the first that throws, so a hook removing a data directory that was added
 * before the server's must end the server itself: removal races a server still writing there,
 * and a failed removal would leave the child alive and the test file hanging.
 */
export async function endChildren(t: TestContext): Promise<void> {
  for (const end of childrenOf.get(t) ?? []) await end();
}

/** Starts `tally serve` and resolves once it logs the port it listens on. */
export async function startServe(t: TestContext, options: ServeOptions = {}): Promise<TallyProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", ...(options.args ?? [])], {
    cwd: REPO,
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit").then(([code, signal]) => ({ code, signal }) as Exit);
  const end = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  t.after(end);
  const ends = childrenOf.get(t) ?? [];
  childrenOf.set(t, ends);
  ends.push(end);
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8");
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tally serve did not listen within ${START_TIMEOUT_MS} ms:\n${err}`)),
      START_TIMEOUT_MS,
    );
    child.stderr?.on("data", (chunk: string) => {
      err += chunk;
      const found = listeningPort(err);
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`tally serve exited (code ${code}, signal ${signal}) before listening:\n${err}`));
    });
  });
  const signalAndWait = (signal: NodeJS.Signals): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    port,
    child,
    stdout: () => out,
    stderr: () => err,
    stop: () => signalAndWait("SIGTERM"),
    kill: () => signalAndWait("SIGKILL"),
  };
}

/** The port of the `tally: listening` log line, once it is complete. */
function listeningPort(stderr: string): number | undefined {
  for (const line of stderr.split("\n").slice(0, -1)) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    if (entry.msg === "tally: listening" && typeof entry.port === "number") return entry.port;
  }
  return undefined;
}

/** Runs any other `tally` command to its end and returns what it printed on stdout. */
export function runTally(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", MAIN, ...args],
      { cwd: REPO, env: childEnv(env), timeout: START_TIMEOUT_MS },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

/** A port that was free a moment ago, for the tests that must name one up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
