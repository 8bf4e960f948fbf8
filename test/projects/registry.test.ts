import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ProjectError, ProjectRegistry } from "../../src/projects/registry.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tally-projects-"));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("a new project gets a random token and secret and authenticates by its secret", () => {
  const registry = new ProjectRegistry(tempDir());
  const p = registry.add({ name: "shop" });
  assert.match(p.token, /^[0-9a-f]{32}$/);
  assert.notEqual(p.token, p.secret);
  assert.equal(p.timeZone, "UTC");
  assert.equal(registry.byToken(p.token), p);
  assert.equal(registry.authenticate(p.secret, "", undefined), p);
  assert.equal(
    registry.authenticate(p.secret, "", p.id + 1),
    undefined,
    "a secret opens only its own project",
  );
  assert.equal(registry.authenticate(p.token, "", undefined), undefined, "a token is not a secret");
  registry.close();
});

test("rejects a taken token, a bad time zone and an empty name, naming the field", () => {
  const registry = new ProjectRegistry(tempDir());
  registry.add({ name: "a", token: "token-aaaa" });
  const fieldOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof ProjectError);
      return err.field;
    }
    assert.fail("expected a ProjectError");
  };
  assert.equal(
    fieldOf(() => registry.add({ name: "b", token: "token-aaaa" })),
    "token",
  );
  assert.equal(
    fieldOf(() => registry.add({ name: "b", timeZone: "Mars/Olympus" })),
    "timezone",
  );
  assert.equal(
    fieldOf(() => registry.add({ name: " " })),
    "name",
  );
  assert.equal(
    fieldOf(() => registry.add({ name: "b", secret: "x'; drop" })),
    "secret",
  );
  registry.close();
});

test("a service account authenticates only with its project_id", () => {
  const registry = new ProjectRegistry(tempDir());
  const p = registry.add({ name: "a" });
  const other = registry.add({ name: "b" });
  const sa = registry.addServiceAccount("robot", p.id);
  assert.deepEqual(registry.authenticate("robot", sa.secret, p.id), p);
  assert.equal(registry.authenticate("robot", sa.secret, other.id), undefined);
  assert.equal(registry.authenticate("robot", sa.secret, undefined), undefined);
  assert.equal(registry.authenticate("robot", "wrong", p.id), undefined);
  registry.close();
});

test("a running registry sees a project added by another process within a second", async () => {
  const dir = tempDir();
  const server = new ProjectRegistry(dir);
  server.watch(50);
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "project",
      "add",
      "web",
      "--token",
      "tok-12345678",
      "--data-dir",
      dir,
    ],
    { encoding: "utf8" },
  );
  const printed = JSON.parse(out.trim()) as { id: number; token: string; timezone: string };
  assert.equal(printed.token, "tok-12345678");
  assert.equal(printed.timezone, "UTC");
  let seen = server.byToken("tok-12345678");
  for (let i = 0; i < 20 && seen === undefined; i++) {
    await sleep(50);
    seen = server.byToken("tok-12345678");
  }
  assert.equal(seen?.id, printed.id);
  server.close();
});

test("a project another connection added is found by id at once, before the next poll", () => {
  const dir = tempDir();
  const processing = new ProjectRegistry(dir);
  const ingesting = new ProjectRegistry(dir);
  const added = ingesting.add({ name: "new" });
  assert.equal(processing.byId(added.id)?.token, added.token);
  assert.equal(processing.byId(added.id + 1000), undefined);
  processing.close();
  ingesting.close();
});
