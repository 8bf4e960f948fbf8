// The `tally` command: one entry point, a subcommand per job. Each subcommand lives in its own file
// and registers itself here.
import { Command } from "commander";
import { registerExprCommands } from "./expr.js";
import { registerProjectCommands } from "./project.js";
import { registerServeCommand } from "./serve.js";

const program = new Command("tally")
  .description("Self-hosted product analytics that speaks Mixpanel's APIs")
  .version("0.1.0");

registerServeCommand(program);
registerProjectCommands(program);
registerExprCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`tally: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
