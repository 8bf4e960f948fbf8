// The query benchmark (issue 5): 10 million events over 30 days, sealed in Tally's store, against
// DuckDB with the same events in a typed in-memory table. Four queries — segmentation general and
// unique, a three-step funnel, a 10-week retention — timed cold and warm on each side, each side in
// its own process; the answers must be equal or the benchmark fails.
// Usage: node --expose-gc dist/bench/query.bench.js [--small] [--events N] [--runs N] [--cache-mib N]
//   [--workers N] [--colds N]
//   --small: 100,000 events and 2,000 users, with the reference implementation as a third side
//   (checks that the SQL asks what Tally's queries ask; seconds, not minutes).
//   --cache-mib: the bound of the engine's cache between queries (default: the engine's own).
//   --workers: scan threads of the engine-workers side, which runs beside the engine without
//   them (default: the engine's default pool size; 0 leaves that side out).
//   --colds: cold runs per query, each from an empty cache (default 1); the median is the figure.

import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { defaultScanWorkers } from "../src/query/engine/scan-pool.js";
import { differences, summary } from "./query-answers.js";
import type { ChildTask, SideName, SideReport } from "./query-child.js";
import { dataSetDir, ensureDataSet, FULL_CONFIG } from "./query-dataset.js";
import type { DataSetConfig } from "./query-generate.js";
import { benchQueries } from "./query-queries.js";
import { printReport } from "./query-report.js";

interface Options {
  readonly config: DataSetConfig;
  readonly runs: number;
  readonly cacheMib: number | undefined;
  readonly workers: number;
  readonly colds: number;
  readonly sides: readonly SideName[];
}

function options(argv: readonly string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : Number(argv[i + 1]);
  };
  const small = argv.includes("--small");
  const events = value("--events") ?? (small ? 100_000 : FULL_CONFIG.events);
  const users = small ? 2_000 : Math.min(FULL_CONFIG.users, Math.max(1_000, Math.round(events / 100)));
  const workers = value("--workers") ?? defaultScanWorkers();
  const engines: SideName[] = workers > 0 ? ["engine", "engine-workers"] : ["engine"];
  return {
    config: { ...FULL_CONFIG, events, users },
    runs: value("--runs") ?? 5,
    cacheMib: value("--cache-mib"),
    workers,
    colds: value("--colds") ?? 1,
    sides: small ? ["reference", ...engines, "duckdb"] : [...engines, "duckdb"],
  };
}

/** Runs one side in a process of its own and waits for its report. */
function runSide(task: ChildTask): Promise<SideReport> {
  const script = new URL(
    import.meta.url.endsWith(".ts") ? "./query-child.ts" : "./query-child.js",
    import.meta.url,
  );
  const execArgv = [...new Set([...process.execArgv, "--expose-gc"])];
  const child = fork(script, [JSON.stringify(task)], { execArgv, stdio: "inherit" });
  return new Promise((resolve, reject) => {
    let report: SideReport | null = null;
    child.on("message", (m) => {
      report = m as SideReport;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (report !== null && code === 0) resolve(report);
      else reject(new Error(`the ${task.side} side failed (exit code ${code})`));
    });
  });
}

/** Every side's answer against DuckDB's; the lines of every disagreement. */
function disagreements(reports: readonly SideReport[]): string[] {
  const baseline = reports.find((r) => r.side === "duckdb")!;
  const out: string[] = [];
  for (const report of reports.filter((r) => r !== baseline)) {
    report.queries.forEach((q, i) => {
      const expected = baseline.queries[i].answer;
      if (q.answer === null || expected === null) return;
      const diff = differences(q.answer, expected);
      if (diff.length > 0)
        out.push(`${report.side} ≠ duckdb on ${q.name} (${diff.length}):`, ...diff.slice(0, 8));
    });
  }
  return out;
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const [load1] = loadavg();
  console.log(
    `query benchmark: ${opts.config.events.toLocaleString("en-US")} events, load average ${load1.toFixed(2)}`,
  );
  const dir = dataSetDir(join(process.cwd(), ".bench-data"), opts.config);
  await ensureDataSet(dir, (line) => console.log(line));
  const reports: SideReport[] = [];
  for (const side of opts.sides) reports.push(await runSide({ ...opts, side, dir }));
  const queries = benchQueries(opts.config);
  printReport(queries, reports);
  for (const q of reports.at(-1)!.queries)
    console.log(`  ${q.name}: ${q.answer === null ? "-" : summary(q.answer)}`);
  const wrong = disagreements(reports);
  if (wrong.length > 0) throw new Error(`answers differ:\n  ${wrong.join("\n  ")}`);
  console.log("answers: every side agrees with DuckDB on every query it answers");
}

await main();
