// A fresh directory under the OS temp dir for each test, removed afterwards.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tally-queue-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function payloads(...texts: string[]): Buffer[] {
  return texts.map((text) => Buffer.from(text));
}

export function texts(records: readonly { payload: Buffer }[]): string[] {
  return records.map((record) => record.payload.toString());
}
