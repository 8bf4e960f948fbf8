import assert from "node:assert/strict";
import { test } from "node:test";
import type { BuiltSegment } from "../../src/store/segment-build.js";
import { type BuildRunner, type Task, WorkerBuilder } from "../../src/store/worker-builder.js";

/** A runner whose tasks wait until `finish(path)` (or `fail(path)`); it records the paths it was given. */
class GatedRunner implements BuildRunner {
  readonly given: string[] = [];
  private readonly gates = new Map<string, { resolve(b: BuiltSegment): void; reject(e: Error): void }>();

  get busy(): number {
    return this.gates.size;
  }

  run(task: Task): Promise<BuiltSegment> {
    this.given.push(task.path);
    return new Promise((resolve, reject) => this.gates.set(task.path, { resolve, reject }));
  }

  finish(path: string): void {
    const gate = this.gates.get(path);
    assert.ok(gate, `${path} is not running here`);
    this.gates.delete(path);
    gate.resolve({ footer: { rows: 1 } as BuiltSegment["footer"], size: 1 });
  }

  fail(path: string): void {
    const gate = this.gates.get(path);
    assert.ok(gate, `${path} is not running here`);
    this.gates.delete(path);
    gate.reject(new Error(`${path} failed`));
  }

  async close(): Promise<void> {}
}

function gatedBuilder() {
  const runners: GatedRunner[] = [];
  const builder = new WorkerBuilder(() => {
    const runner = new GatedRunner();
    runners.push(runner);
    return runner;
  });
  const [first, second, merger] = runners;
  return { builder, first, second, merger };
}

/** Lets settled promises run their callbacks. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test("seals wait in one queue, and each goes to the first sealing thread that is free", async () => {
  const { builder, first, second, merger } = gatedBuilder();
  assert.equal(builder.sealThreads(), 2);
  const a = builder.seal("a", [], 1);
  const b = builder.seal("b", [], 1);
  const c = builder.seal("c", [], 1);
  const d = builder.seal("d", [], 1);
  assert.deepEqual([first.given, second.given], [["a"], ["b"]], "one seal a thread, the rest wait");
  // A merge has its own thread: it never waits for seals, nor they for it.
  const m = builder.merge("m", []);
  assert.deepEqual(merger.given, ["m"]);
  second.finish("b");
  await b;
  await settle();
  assert.deepEqual([first.given, second.given], [["a"], ["b", "c"]], "the free thread takes the next seal");
  second.fail("c");
  await assert.rejects(c, /c failed/);
  await settle();
  assert.deepEqual(second.given, ["b", "c", "d"], "a failed seal frees its thread too");
  first.finish("a");
  second.finish("d");
  merger.finish("m");
  await Promise.all([a, d, m]);
  await builder.close();
});

test("closing the builder fails the seals still waiting for a thread", async () => {
  const { builder, first, second } = gatedBuilder();
  const a = builder.seal("a", [], 1);
  const b = builder.seal("b", [], 1);
  const c = builder.seal("c", [], 1);
  await builder.close();
  await assert.rejects(c, /closed/);
  first.finish("a");
  second.finish("b");
  await Promise.all([a, b]);
  assert.deepEqual([first.given, second.given], [["a"], ["b"]]);
});
