// `tally expr check` and `tally expr eval`, run as a user would run them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

function tally(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe("tally expr", () => {
  it("eval prints the result as JSON, with datetimes in the project's zone inside string()", () => {
    const out = tally(
      "expr",
      "eval",
      'properties["n"] + 1 > 2 and string(properties["time"]) == "2024-01-01T01:00:00"',
      "--properties",
      '{"n": 3, "time": 1704067200}',
      "--timezone",
      "Europe/Berlin",
    );
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, "true\n");
  });

  it("eval spells undefined, shows datetimes, and reads --user and --now", () => {
    const out = tally(
      "expr",
      "eval",
      '[properties["x"], datetime(NOW), user["plan"]]',
      "--user",
      '{"plan": "pro"}',
      "--now",
      "1704164645",
    );
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, '[undefined,datetime("2024-01-02T03:04:05Z"),"pro"]\n');
  });

  it("check prints the tree one node per line", () => {
    const out = tally("expr", "check", 'not "x" in properties["s"]');
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, 'not\n  in\n    literal "x"\n    properties["s"]\n');
  });

  it("check prints the error with its place and a caret, and exits 1", () => {
    const out = tally("expr", "check", 'properties["n"] + )');
    assert.equal(out.status, 1);
    assert.equal(out.stderr, 'unexpected ")" at 1:19\nproperties["n"] + )\n                  ^\n');
    assert.equal(out.stdout, "");
  });

  it("eval names a bad flag and exits 1", () => {
    const out = tally("expr", "eval", "1", "--properties", "[1]");
    assert.equal(out.status, 1);
    assert.match(out.stderr, /--properties: must be a JSON object/);
  });
});
