import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { lockContent, lockDir } from "../../src/util/dir-lock.js";

let other: ChildProcess;
let dir: string;
before(async () => {
  // Some live process that is not this one: the pid a stale LOCK may name after a reboot.
  other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  await new Promise((resolve) => other.once("spawn", resolve));
  dir = mkdtempSync(join(tmpdir(), "tally-lock-"));
});
after(() => {
  other.kill();
  rmSync(dir, { recursive: true, force: true });
});

const refuse = (message: string) => Object.assign(new Error(message), { code: "locked" });

async function takes(content: string): Promise<boolean> {
  writeFileSync(join(dir, "LOCK"), content);
  try {
    const release = await lockDir(dir, "test dir", refuse);
    assert.equal(readFileSync(join(dir, "LOCK"), "utf8"), lockContent(process.pid));
    await release();
    return true;
  } catch (error) {
    assert.match((error as Error).message, new RegExp(`held by process ${other.pid}`));
    return false;
  }
}

test("a lock whose owner still runs is refused; one whose pid now names another process is taken over", async () => {
  const pid = other.pid!;
  const [, boot, start] = lockContent(pid).split(" ");
  assert.equal(await takes(lockContent(pid)), false, "the owner itself, alive");
  assert.equal(await takes(`${pid} ${boot} ${Number(start) + 1}`), true, "the pid reused by a later process");
  assert.equal(await takes(`${pid} not-this-boot ${start}`), true, "written before a reboot");
  assert.equal(await takes(String(pid)), false, "a pid alone (an older lock) still counts while it lives");
  assert.equal(await takes("999999999"), true, "a pid no process has");
});
