// The expression engine's filter over 10 million events held as columns: `country` a dictionary-
// encoded string column, `amount` and `score` numeric columns (Float64Array; score holds whole
// numbers 0-5, so `number(score)` is the number itself). For each filter it times the reference
// interpreter on row objects (a 1M-row sample, rate scaled), the compiled expression on row
// objects, the compiled filter on the columns, and a hand-written loop over the same typed arrays
// (the baseline). Two more filters show the other paths: arithmetic over two numeric columns, and a
// string built from two properties, which the compiler does not specialise (its general path). Every timing is the median of several runs in this process; the counts of all
// engines must agree or the benchmark fails.

import { type ColumnBatch, type PropertyColumn, Tag } from "../src/expr/columns.js";
import { compile } from "../src/expr/compile.js";
import { evaluate } from "../src/expr/interpret.js";
import { parse } from "../src/expr/parser.js";
import type { EvalContext, EventRow } from "../src/expr/value.js";

const ROWS = 10_000_000;
const SAMPLE = 1_000_000;
const REPEATS = 7;
const SAMPLE_REPEATS = 3;
const COUNTRIES = ["DE", "FR", "IT", "ES", "GB", "US", "PL", "NL", "SE", "BR"];
const ctx: EvalContext = { now: 1_700_000_000, timeZone: "UTC" };

interface Data {
  readonly batch: ColumnBatch;
  readonly codes: Int32Array;
  readonly amount: Float64Array;
  readonly score: Float64Array;
}

/** xorshift32: the same synthetic events on every run. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function stringColumn(codes: Int32Array, dictionary: readonly string[]): PropertyColumn {
  return {
    tags: new Uint8Array(codes.length).fill(Tag.String),
    numbers: null,
    codes,
    dictionary,
    others: new Map(),
  };
}

function numberColumn(numbers: Float64Array): PropertyColumn {
  return {
    tags: new Uint8Array(numbers.length).fill(Tag.Number),
    numbers,
    codes: null,
    dictionary: [],
    others: new Map(),
  };
}

/** Built straight into typed arrays: 10M row objects would not fit the time or the memory. */
function makeData(): Data {
  const next = random(0x5eed);
  const codes = new Int32Array(ROWS);
  const amount = new Float64Array(ROWS);
  const score = new Float64Array(ROWS);
  const time = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    codes[i] = Math.floor(next() * COUNTRIES.length);
    amount[i] = Math.round(next() * 10_000) / 100;
    score[i] = Math.floor(next() * 6);
    time[i] = 1_699_000_000 + i / 10;
  }
  const columns = new Map([
    ["country", stringColumn(codes, COUNTRIES)],
    ["amount", numberColumn(amount)],
    ["score", numberColumn(score)],
  ]);
  const batch: ColumnBatch = {
    length: ROWS,
    time,
    property: (name) => columns.get(name),
    userProperty: () => undefined,
  };
  return { batch, codes, amount, score };
}

function sampleRows(data: Data): EventRow[] {
  return Array.from({ length: SAMPLE }, (_, i) => ({
    properties: {
      time: data.batch.time[i],
      country: COUNTRIES[data.codes[i]],
      amount: data.amount[i],
      score: data.score[i],
    },
  }));
}

// ---- the hand-written baselines: what one would write for each filter, by hand ----

function handCountryAmount(data: Data, out: Uint32Array, rows: number): number {
  const codes = data.codes;
  const amount = data.amount;
  const de = COUNTRIES.indexOf("DE");
  let c = 0;
  for (let i = 0; i < rows; i++) {
    if (codes[i] === de && amount[i] > 50) out[c++] = i;
  }
  return c;
}

function handCountriesScore(data: Data, out: Uint32Array, rows: number): number {
  const codes = data.codes;
  const score = data.score;
  const wanted = new Uint8Array(COUNTRIES.length);
  for (const name of ["DE", "FR", "IT"]) wanted[COUNTRIES.indexOf(name)] = 1;
  let c = 0;
  for (let i = 0; i < rows; i++) {
    if (wanted[codes[i]] === 1 && score[i] >= 3) out[c++] = i;
  }
  return c;
}

/** Two properties in one arithmetic compare: specialised only when both columns hold no strings. */
function handAmountScore(data: Data, out: Uint32Array, rows: number): number {
  const amount = data.amount;
  const score = data.score;
  let c = 0;
  for (let i = 0; i < rows; i++) {
    if (amount[i] > score[i] * 20) out[c++] = i;
  }
  return c;
}

/** The same rows as `string(score) + country == "3DE"`, which the compiler does not specialise. */
function handScoreCountry(data: Data, out: Uint32Array, rows: number): number {
  const codes = data.codes;
  const score = data.score;
  const de = COUNTRIES.indexOf("DE");
  let c = 0;
  for (let i = 0; i < rows; i++) {
    if (score[i] === 3 && codes[i] === de) out[c++] = i;
  }
  return c;
}

// ---- measuring ----

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median rows per second of `run` over `rows` rows; `run` returns the count it found. */
function rate(rows: number, repeats: number, run: () => number): { rowsPerSecond: number; count: number } {
  let count = run(); // warm-up: let the JIT settle before timing
  const seconds: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const start = process.hrtime.bigint();
    count = run();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { rowsPerSecond: rows / median(seconds), count };
}

function millions(rowsPerSecond: number): string {
  return `${(rowsPerSecond / 1e6).toFixed(1).padStart(8)} M rows/s`;
}

interface Filter {
  readonly source: string;
  readonly hand: (data: Data, out: Uint32Array, rows: number) => number;
}

const FILTERS: readonly Filter[] = [
  { source: 'properties["country"] == "DE" and properties["amount"] > 50', hand: handCountryAmount },
  {
    source: 'properties["country"] in ["DE", "FR", "IT"] and number(properties["score"]) >= 3',
    hand: handCountriesScore,
  },
  { source: 'properties["amount"] > properties["score"] * 20', hand: handAmountScore },
  { source: 'string(properties["score"]) + properties["country"] == "3DE"', hand: handScoreCountry },
];

function runFilter(filter: Filter, data: Data, rows: EventRow[], out: Uint32Array): boolean {
  const tree = parse(filter.source);
  const compiled = compile(tree, ctx);
  const interpreter = rate(SAMPLE, SAMPLE_REPEATS, () => {
    let c = 0;
    for (const row of rows) if (evaluate(tree, row, ctx) === true) c++;
    return c;
  });
  const compiledRows = rate(SAMPLE, SAMPLE_REPEATS, () => {
    let c = 0;
    for (const row of rows) if (compiled.matchesRow(row)) c++;
    return c;
  });
  const bound = compiled.bind(data.batch);
  const columns = rate(ROWS, REPEATS, () => bound.filter(out));
  const hand = rate(ROWS, REPEATS, () => filter.hand(data, out, ROWS));
  const handSample = filter.hand(data, out, SAMPLE);
  console.log(`\n${filter.source}`);
  console.log(`  compiled test per row: ${bound.explain()}`);
  console.log(`  interpreter, row objects (1M sample)   ${millions(interpreter.rowsPerSecond)}`);
  console.log(`  compiled, row objects (1M sample)      ${millions(compiledRows.rowsPerSecond)}`);
  console.log(`  compiled filter, columns               ${millions(columns.rowsPerSecond)}`);
  console.log(`  hand-written loop, columns (baseline)  ${millions(hand.rowsPerSecond)}`);
  console.log(`  compiled / hand-written: ${(columns.rowsPerSecond / hand.rowsPerSecond).toFixed(2)}x`);
  console.log(`  matching rows: ${columns.count} of ${ROWS} (sample: ${interpreter.count} of ${SAMPLE})`);
  const agree =
    columns.count === hand.count && interpreter.count === handSample && compiledRows.count === handSample;
  if (!agree) console.log("  MISMATCH: the engines counted different rows");
  return agree;
}

function main(): void {
  const data = makeData();
  const rows = sampleRows(data);
  const out = new Uint32Array(ROWS);
  console.log(
    `expression filter over ${ROWS.toLocaleString("en")} events held as columns (median of ${REPEATS} runs)`,
  );
  let ok = true;
  for (const filter of FILTERS) ok = runFilter(filter, data, rows, out) && ok;
  if (!ok) process.exitCode = 1;
}

main();
