import type { Command } from "commander";
import type { Project } from "../projects/project.js";
import { ProjectError, ProjectRegistry } from "../projects/registry.js";
import { dataDirFrom } from "./options.js";

function projectJson(p: Project): string {
  return JSON.stringify({ id: p.id, name: p.name, token: p.token, secret: p.secret, timezone: p.timeZone });
}

interface AddOptions {
  token?: string;
  secret?: string;
  timezone?: string;
  dataDir?: string;
}

export function registerProjectCommands(program: Command): void {
  const project = program.command("project").description("create and list projects");
  project
    .command("add <name>")
    .description("create a project and print it as one JSON line")
    .option("--token <token>", "the public token SDKs send (default: random)")
    .option("--secret <secret>", "the API secret for /import and queries (default: random)")
    .option("--timezone <zone>", "IANA time zone of the project's days", "UTC")
    .option("--data-dir <dir>", "data directory (env TALLY_DATA_DIR, default ./data)")
    .action((name: string, opts: AddOptions) => {
      const registry = new ProjectRegistry(dataDirFrom(opts.dataDir));
      try {
        const p = registry.add({ name, token: opts.token, secret: opts.secret, timeZone: opts.timezone });
        console.log(projectJson(p));
      } catch (err) {
        if (!(err instanceof ProjectError)) throw err;
        console.error(`tally project add: ${err.field}: ${err.message}`);
        process.exitCode = 1;
      } finally {
        registry.close();
      }
    });
  project
    .command("list")
    .description("print every project, one JSON line each")
    .option("--data-dir <dir>", "data directory (env TALLY_DATA_DIR, default ./data)")
    .action((opts: { dataDir?: string }) => {
      const registry = new ProjectRegistry(dataDirFrom(opts.dataDir));
      for (const p of registry.list()) console.log(projectJson(p));
      registry.close();
    });
}
