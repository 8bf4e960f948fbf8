// The four queries of the benchmark, each as Tally's API parameters and as the SQL that answers
// the same question over the baseline's table
//   events(event, distinct_id, time DOUBLE seconds, off INTEGER, country, plan, amount DOUBLE).
// The SQL follows src/query/README.md: days and weeks are UTC (weeks from Monday), a funnel's
// entry is a user's first step-1 event of the day and each later step the first matching event
// after the previous one (time, then ingestion order) within the window from the entry; a
// retention cohort is the week of a user's first born event, counted again in each week i in
// which they did any event at or after joining.

import type { DataSetConfig } from "./query-generate.js";

export type QueryName = "segmentation" | "unique" | "funnel" | "retention";
export type AnswerKind = "series" | "funnel" | "retention";

export interface BenchQuery {
  readonly name: QueryName;
  readonly kind: AnswerKind;
  /** What the table of figures calls it. */
  readonly title: string;
  /** The API endpoint, as under /api/2.0/. */
  readonly endpoint: "segmentation" | "funnels" | "retention";
  /** The endpoint's parameters, as a client would send them. */
  readonly params: URLSearchParams;
  readonly sql: string;
}

export const FUNNEL_STEPS = ["Page View", "Add to Cart", "Purchase"];
export const WINDOW_DAYS = 7;
export const RETENTION_WEEKS = 10;
const WHERE = 'properties["country"] == "DE" and properties["amount"] > 50';

export interface QueryRange {
  readonly fromDate: string;
  readonly toDate: string;
  /** Unix seconds: midnight of fromDate, and midnight after toDate. */
  readonly from: number;
  readonly to: number;
}

export function rangeOf(config: DataSetConfig): QueryRange {
  const from = Date.parse(`${config.startDay}T00:00:00Z`) / 1000;
  const to = from + config.days * 86_400;
  const toDate = new Date((to - 86_400) * 1000).toISOString().slice(0, 10);
  return { fromDate: config.startDay, toDate, from, to };
}

/** The UTC day number (days since 1970-01-01) of a time in seconds, as SQL. */
function daySql(time: string): string {
  return `CAST(floor(${time} / 86400) AS INTEGER)`;
}

/** The day number of the Monday of the week holding a time (1970-01-01 was a Thursday). */
function weekSql(time: string): string {
  return `(${daySql(time)} - (${daySql(time)} + 3) % 7)`;
}

function segmentationSql(r: QueryRange, value: string): string {
  return `
    SELECT coalesce(plan, 'undefined') AS segment, ${daySql("time")} AS day, ${value} AS n
    FROM events
    WHERE event = 'Purchase' AND country = 'DE' AND amount > 50 AND time >= ${r.from} AND time < ${r.to}
    GROUP BY ALL`;
}

/**
 * As joins: entries by grouping (the earliest step-1 event of each user and day, by time then
 * offset); step 2 by joining each entry to the user's later step-2 events within the window and
 * keeping the earliest; step 3 likewise from step 2's event. (A window-function form — the next
 * step-2 and step-3 event after every event, in one sort per user — and an ASOF-join form gave
 * the same answers; this one and the ASOF form were within noise, 10–30% faster than the window form.)
 */
function funnelSql(r: QueryRange): string {
  const w = WINDOW_DAYS * 86_400;
  const [s1, s2, s3] = FUNNEL_STEPS.map((s) => `'${s}'`);
  const after = (t: string, o: string) => `(s.t > ${t} OR (s.t = ${t} AND s.o > ${o}))`;
  return `
    WITH steps AS (
      SELECT distinct_id AS u, time AS t, off AS o, event AS ev
      FROM events
      WHERE event IN (${s1}, ${s2}, ${s3}) AND time >= ${r.from} AND time <= ${r.to + w}
    ),
    entries AS (
      SELECT u, day, first.t AS t0, first.o AS o0
      FROM (SELECT u, ${daySql("t")} AS day, min({'t': t, 'o': o}) AS first
            FROM steps WHERE ev = ${s1} AND t < ${r.to} GROUP BY ALL)
    ),
    step2 AS (
      SELECT e.u, e.day, e.t0, min({'t': s.t, 'o': s.o}) AS n2
      FROM entries e JOIN steps s
        ON s.u = e.u AND s.ev = ${s2} AND ${after("e.t0", "e.o0")} AND s.t - e.t0 <= ${w}
      GROUP BY ALL
    ),
    step3 AS (
      SELECT x.u, x.day, x.t0, x.n2.t AS t1, min(s.t) AS t2
      FROM step2 x JOIN steps s
        ON s.u = x.u AND s.ev = ${s3} AND ${after("x.n2.t", "x.n2.o")} AND s.t - x.t0 <= ${w}
      GROUP BY ALL
    )
    SELECT e.day, count(*) AS c1, count(x.n2) AS c2, count(y.t2) AS c3,
      avg(x.n2.t - e.t0) AS time2, avg(y.t2 - y.t1) AS time3, avg(y.t2 - y.t0) AS start3
    FROM entries e
      LEFT JOIN step2 x ON x.u = e.u AND x.day = e.day
      LEFT JOIN step3 y ON y.u = e.u AND y.day = e.day
    GROUP BY e.day`;
}

function retentionSql(r: QueryRange): string {
  return `
    WITH cohorts AS (
      SELECT distinct_id AS u, min(time) AS t0, ${weekSql("min(time)")} AS w
      FROM events
      WHERE event = 'Signup' AND time >= ${r.from} AND time < ${r.to}
      GROUP BY distinct_id
    ),
    returns AS (
      SELECT DISTINCT c.u, c.w, (${weekSql("e.time")} - c.w) // 7 AS i
      FROM cohorts c JOIN events e ON e.distinct_id = c.u
      WHERE e.time >= c.t0
    )
    SELECT w AS week, -1 AS i, count(*) AS n FROM cohorts GROUP BY w
    UNION ALL
    SELECT w AS week, i, count(*) AS n FROM returns WHERE i <= ${RETENTION_WEEKS} GROUP BY w, i`;
}

export function benchQueries(config: DataSetConfig): BenchQuery[] {
  const r = rangeOf(config);
  const dates = { from_date: r.fromDate, to_date: r.toDate };
  const segmentation = { event: "Purchase", ...dates, where: WHERE, on: 'properties["plan"]' };
  return [
    {
      name: "segmentation",
      kind: "series",
      title: "segmentation, general",
      endpoint: "segmentation",
      params: new URLSearchParams({ ...segmentation, type: "general" }),
      sql: segmentationSql(r, "count(*)"),
    },
    {
      name: "unique",
      kind: "series",
      title: "segmentation, unique",
      endpoint: "segmentation",
      params: new URLSearchParams({ ...segmentation, type: "unique" }),
      sql: segmentationSql(r, "count(DISTINCT distinct_id)"),
    },
    {
      name: "funnel",
      kind: "funnel",
      title: "funnel, 3 steps",
      endpoint: "funnels",
      params: new URLSearchParams({
        ...dates,
        events: JSON.stringify(FUNNEL_STEPS.map((event) => ({ event }))),
        length: String(WINDOW_DAYS),
        length_unit: "day",
      }),
      sql: funnelSql(r),
    },
    {
      name: "retention",
      kind: "retention",
      title: `retention, ${RETENTION_WEEKS} weeks`,
      endpoint: "retention",
      params: new URLSearchParams({
        ...dates,
        born_event: "Signup",
        retention_type: "birth",
        unit: "week",
        interval_count: String(RETENTION_WEEKS),
      }),
      sql: retentionSql(r),
    },
  ];
}
