import type { Command } from "commander";

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the Tally server on its embedded defaults")
    .action(() => {
      console.log("tally serve: the ingestion server is not built yet (issue 3); see `tally expr --help`.");
    });
}
