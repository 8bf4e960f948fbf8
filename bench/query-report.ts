// The benchmark's table: per query, each Tally side's cold and median times against DuckDB's, the
// ratio against the goal, and the peak resident memory of each process during the query.

import type { QueryFigures, SideReport } from "./query-child.js";
import type { BenchQuery, QueryName } from "./query-queries.js";

/** Issue 5: at or below DuckDB on segmentation and uniques, at most half of it on funnels and retention. */
export const GOAL: Readonly<Record<QueryName, number>> = {
  segmentation: 1,
  unique: 1,
  funnel: 0.5,
  retention: 0.5,
};

function ms(x: number | undefined): string {
  if (x === undefined) return "pending";
  return x < 10 ? x.toFixed(2) : x.toFixed(0);
}

function mib(x: number | undefined): string {
  return x === undefined ? "-" : x.toFixed(0);
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function ratioCells(q: QueryFigures, base: QueryFigures, goal: number): string[] {
  if (q.medianMs === undefined || base.medianMs === undefined) return ["pending", `≤ ${goal}`];
  const ratio = q.medianMs / base.medianMs;
  return [`${ratio.toFixed(2)}×${ratio <= goal ? "" : " (over)"}`, `≤ ${goal}`];
}

export function printReport(queries: readonly BenchQuery[], reports: readonly SideReport[]): void {
  for (const r of reports) {
    const notes = r.notes.length > 0 ? `; ${r.notes.join("; ")}` : "";
    console.log(
      `${r.side}: loaded in ${(r.loadMs / 1000).toFixed(1)} s, RSS after load ${mib(r.rssAfterLoadMib)} MiB, ` +
        `high-water ${mib(r.maxRssMib)} MiB${notes}`,
    );
  }
  const base = reports.find((r) => r.side === "duckdb")!;
  console.log(
    row([
      "query",
      "side",
      "cold ms",
      "median ms",
      "DuckDB cold",
      "DuckDB median",
      "ratio",
      "goal",
      "peak RSS MiB",
      "DuckDB peak RSS",
    ]),
  );
  console.log(row(Array.from({ length: 10 }, () => "---")));
  queries.forEach((query, i) => {
    const b = base.queries[i];
    for (const r of reports.filter((x) => x !== base)) {
      const q = r.queries[i];
      console.log(
        row([
          query.title,
          r.side,
          ms(q.coldMs),
          ms(q.medianMs),
          ms(b.coldMs),
          ms(b.medianMs),
          ...ratioCells(q, b, GOAL[query.name]),
          mib(q.peakRssMib),
          mib(b.peakRssMib),
        ]),
      );
    }
  });
  printWorkerRatios(queries, reports);
  printRuns(queries, reports);
  printCaches(queries, reports);
}

/** The engine with scan workers against the engine without, cold and warm (runs in separate processes). */
function printWorkerRatios(queries: readonly BenchQuery[], reports: readonly SideReport[]): void {
  const none = reports.find((r) => r.side === "engine");
  const workers = reports.find((r) => r.side === "engine-workers");
  if (none === undefined || workers === undefined) return;
  queries.forEach((query, i) => {
    const [a, b] = [none.queries[i], workers.queries[i]];
    if (
      a.coldMs === undefined ||
      b.coldMs === undefined ||
      a.medianMs === undefined ||
      b.medianMs === undefined
    )
      return;
    console.log(
      `engine-workers / engine, ${query.title}: cold ${(b.coldMs / a.coldMs).toFixed(2)}×, warm ${(b.medianMs / a.medianMs).toFixed(2)}×`,
    );
  });
}

/** Every cold run of each Tally side (the first query after opening first), and the warm runs. */
function printRuns(queries: readonly BenchQuery[], reports: readonly SideReport[]): void {
  for (const r of reports) {
    r.queries.forEach((q, i) => {
      if (q.coldsMs === undefined || q.runsMs === undefined) return;
      const list = (xs: readonly number[]) => xs.map(ms).join(", ");
      console.log(
        `${r.side}, ${queries[i].title}: cold runs ${list(q.coldsMs)} ms; warm runs ${list(q.runsMs)} ms`,
      );
    });
  }
}

/** Loads during warm runs mean the cache cannot hold the query's columns: every run decodes again. */
function printCaches(queries: readonly BenchQuery[], reports: readonly SideReport[]): void {
  for (const r of reports) {
    r.queries.forEach((q, i) => {
      if (q.cache === undefined) return;
      const { mib, coldLoads, warmLoads } = q.cache;
      const thrash = warmLoads > 0 ? " — the cache does not hold the query's columns" : "";
      console.log(
        `${r.side} cache, ${queries[i].title}: ${mib.toFixed(0)} MiB held, ${coldLoads} loads cold, ${warmLoads} warm${thrash}`,
      );
    });
  }
}
