// `tally expr check` and `tally expr eval`: try the expression language from a shell, with the
// same parser and reference interpreter the server uses.
import type { Command } from "commander";
import type { ExprNode } from "../expr/ast.js";
import { ExprError } from "../expr/errors.js";
import { evaluate } from "../expr/interpret.js";
import { parse } from "../expr/parser.js";
import { showTree, showValue } from "../expr/show.js";
import { isValidTimeZone } from "../expr/timezone.js";
import type { JsonObject } from "../expr/value.js";

interface EvalOptions {
  properties: string;
  user?: string;
  now?: string;
  timezone: string;
}

/** A flag's problem, reported as `tally expr eval: --flag: problem`. */
class FlagError extends Error {}

function jsonObjectFlag(flag: string, text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FlagError(`${flag}: not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new FlagError(`${flag}: must be a JSON object`);
  }
  return parsed as JsonObject;
}

function nowFlag(text: string | undefined): number {
  if (text === undefined) return Math.floor(Date.now() / 1000);
  const now = Number(text);
  if (text.trim() === "" || !Number.isFinite(now))
    throw new FlagError(`--now: "${text}" is not a number of seconds`);
  return now;
}

function timeZoneFlag(zone: string): string {
  if (!isValidTimeZone(zone)) throw new FlagError(`--timezone: "${zone}" is not an IANA time zone`);
  return zone;
}

/** The tree, or undefined after printing the formatted error and setting the exit code. */
function parseOrReport(source: string): ExprNode | undefined {
  try {
    return parse(source);
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    console.error(err.format());
    process.exitCode = 1;
    return undefined;
  }
}

function runEval(source: string, opts: EvalOptions): void {
  let row: { properties: JsonObject; user?: JsonObject };
  let ctx: { now: number; timeZone: string };
  try {
    row = { properties: jsonObjectFlag("--properties", opts.properties) };
    if (opts.user !== undefined) row.user = jsonObjectFlag("--user", opts.user);
    ctx = { now: nowFlag(opts.now), timeZone: timeZoneFlag(opts.timezone) };
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    console.error(`tally expr eval: ${err.message}`);
    process.exitCode = 1;
    return;
  }
  const tree = parseOrReport(source);
  if (tree !== undefined) console.log(showValue(evaluate(tree, row, ctx)));
}

export function registerExprCommands(program: Command): void {
  const expr = program.command("expr").description("check and evaluate segmentation expressions");
  expr
    .command("check <expression>")
    .description("print the parsed tree, one node per line, or the error with its place")
    .action((source: string) => {
      const tree = parseOrReport(source);
      if (tree !== undefined) console.log(showTree(tree));
    });
  expr
    .command("eval <expression>")
    .description("evaluate against one event and print the result (JSON, plus undefined and datetime(…))")
    .option("--properties <json>", "the event's properties, a JSON object", "{}")
    .option("--user <json>", "the user's profile properties, a JSON object")
    .option("--now <seconds>", "NOW, in Unix seconds (default: the current time)")
    .option("--timezone <zone>", "IANA time zone of the project", "UTC")
    .action(runEval);
}
