import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  GROUPS_IN_FLIGHT,
  GroupCommit,
  type GroupTail,
  LINGER_APPENDS,
  LINGER_BYTES,
} from "../../src/queue/group-commit.js";
import type { AppendReceipt, QueueError } from "../../src/queue/queue.js";
import { RECORD_HEADER_BYTES } from "../../src/queue/record-frame.js";

/** A tail whose durable writes end when the test says, in any order, well or not. */
class ControlledTail implements GroupTail {
  end = 0;
  full = false;
  readonly log: string[] = [];
  readonly syncs: { end: number; settle: (error?: Error) => void }[] = [];

  async roll(base: number): Promise<void> {
    this.log.push(`roll ${base}`);
    this.full = false;
  }

  write(group: Buffer): Promise<void> {
    this.log.push(`write ${group.length}@${this.end}`);
    this.end += group.length;
    return new Promise((resolve, reject) => {
      this.syncs.push({ end: this.end, settle: (error) => (error ? reject(error) : resolve()) });
    });
  }

  async cutBack(at: number): Promise<void> {
    this.log.push(`cut ${at}`);
    this.end = at;
  }
}

interface Outcome {
  receipt?: AppendReceipt;
  error?: QueueError;
}

/** Read through a call, so an earlier assert's narrowing does not stick. */
function codeOf(outcome: Outcome): string | undefined {
  return outcome.error?.code;
}

/** Groups of one turn each unless `lingerAppends` says otherwise, so a test's turns are its groups. */
function harness(lingerAppends = 0) {
  const tail = new ControlledTail();
  const durable: string[] = [];
  const refused: string[] = [];
  const events = {
    durable: (base: number, records: number) => durable.push(`${base}+${records}`),
    refused: (_bytes: number, appends: number, error: QueueError) => refused.push(`${appends} ${error.code}`),
  };
  const commit = new GroupCommit(tail, 100, events, { lingerAppends });
  /** Appends one record of `bytes` payload bytes; its outcome fills in when answered. */
  const append = (bytes = 10): Outcome => {
    const outcome: Outcome = {};
    commit.add({
      payloads: [Buffer.alloc(bytes)],
      size: RECORD_HEADER_BYTES + bytes,
      resolve: (receipt) => {
        outcome.receipt = receipt;
      },
      reject: (error) => {
        outcome.error = error;
      },
    });
    return outcome;
  };
  return { tail, commit, durable, refused, append };
}

test("each turn's appends form a group, and groups sync side by side up to the limit", async () => {
  const { tail, append } = harness();
  for (let turn = 0; turn < GROUPS_IN_FLIGHT + 1; turn++) {
    append();
    append();
    await nextTurn();
  }
  assert.equal(tail.syncs.length, GROUPS_IN_FLIGHT, "one group waits for room");
  assert.deepEqual(tail.log, ["write 36@0", "write 36@36", "write 36@72"].slice(0, GROUPS_IN_FLIGHT));
});

test("a small group waits one more turn and takes in that turn's appends", async () => {
  const { tail, append } = harness(LINGER_APPENDS);
  append();
  await nextTurn();
  assert.deepEqual(tail.log, [], "the first turn's append waits a turn more");
  append();
  append();
  await nextTurn();
  assert.deepEqual(tail.log, ["write 54@0"], "three appends of two turns, one write");
  append();
  await nextTurn();
  await nextTurn();
  assert.deepEqual(tail.log, ["write 54@0", "write 18@54"], "a lone append is written a turn later");
});

test("a group of many appends, or of many bytes, is written in its own turn", async () => {
  const { tail, append } = harness(LINGER_APPENDS);
  for (let i = 0; i < LINGER_APPENDS; i++) append();
  await nextTurn();
  assert.equal(tail.log.length, 1, "as many appends as LINGER_APPENDS do not wait");
  append(LINGER_BYTES);
  await nextTurn();
  assert.equal(tail.log.length, 2, "an append of LINGER_BYTES does not wait");
});

test("groups are answered in the order they were written, whatever order their writes end in", async () => {
  const { tail, durable, append } = harness();
  const first = append();
  await nextTurn();
  const second = append();
  await nextTurn();
  tail.syncs[1].settle();
  await nextTurn();
  assert.equal(second.receipt, undefined, "the later group waits for the earlier one");
  assert.deepEqual(durable, []);
  tail.syncs[0].settle();
  await nextTurn();
  assert.deepEqual(first.receipt, { first: 100, count: 1 });
  assert.deepEqual(second.receipt, { first: 101, count: 1 });
  assert.deepEqual(durable, ["100+1", "101+1"]);
});

test("a finished group lets the waiting one start before its appenders are answered", async () => {
  const { tail, append } = harness();
  for (let turn = 0; turn < GROUPS_IN_FLIGHT; turn++) {
    append();
    await nextTurn();
  }
  const waiting = append();
  await nextTurn();
  tail.syncs[0].settle();
  await nextTurn();
  assert.equal(tail.syncs.length, GROUPS_IN_FLIGHT + 1);
  assert.equal(waiting.receipt, undefined);
});

test("a failed write cuts the tail back to its group and refuses the groups written after it", async () => {
  const { tail, refused, durable, append } = harness();
  const ok = append();
  await nextTurn();
  const failed = append();
  await nextTurn();
  const after = append();
  await nextTurn();
  tail.syncs[1].settle(Object.assign(new Error("input/output error"), { code: "EIO" }));
  tail.syncs[0].settle();
  await nextTurn();
  assert.deepEqual(ok.receipt, { first: 100, count: 1 });
  assert.ok(failed.error === undefined, "nothing is refused while a later write still runs");
  assert.ok(!tail.log.some((line) => line.startsWith("cut")));
  tail.syncs[2].settle();
  await nextTurn();
  assert.equal(codeOf(failed), "queue_io");
  assert.equal(codeOf(after), "queue_io");
  assert.deepEqual(refused, ["1 queue_io", "1 queue_io"]);
  assert.ok(tail.log.includes("cut 18"), tail.log.join(", "));

  const next = append();
  await nextTurn();
  assert.equal(tail.log.at(-1), "write 18@18", "writing goes on where the failed group began");
  tail.syncs.at(-1)?.settle();
  await nextTurn();
  assert.deepEqual(next.receipt, { first: 101, count: 1 }, "the refused offsets are used again");
  assert.deepEqual(durable, ["100+1", "101+1"]);
});

test("a write the disk refuses is answered with queue_full and nothing after it is written", async () => {
  const { tail, append } = harness();
  const full = append();
  await nextTurn();
  const later = append();
  tail.syncs[0].settle(Object.assign(new Error("no space left on device"), { code: "ENOSPC" }));
  await nextTurn();
  await nextTurn();
  assert.equal(codeOf(full), "queue_full");
  // The append waiting meanwhile is written only after the cut, where the failed group began.
  assert.deepEqual(tail.log, ["write 18@0", "cut 0", "write 18@0"]);
  assert.ok(later.error === undefined && later.receipt === undefined);
  tail.syncs[1].settle();
  await nextTurn();
  assert.deepEqual(later.receipt, { first: 100, count: 1 });
});

test("a full tail rolls only once every group before it is durable", async () => {
  const { tail, append } = harness();
  const before = append();
  await nextTurn();
  tail.full = true;
  const after = append();
  await nextTurn();
  assert.deepEqual(tail.log, ["write 18@0"], "no roll while a group is in flight");
  tail.syncs[0].settle();
  await nextTurn();
  assert.deepEqual(before.receipt, { first: 100, count: 1 });
  assert.deepEqual(tail.log, ["write 18@0", "roll 101", "write 18@18"]);
  tail.syncs[1].settle();
  await nextTurn();
  assert.deepEqual(after.receipt, { first: 101, count: 1 });
});

test("idle waits for every append to be answered", async () => {
  const { tail, commit, append } = harness();
  const one = append();
  let idle = false;
  void commit.idle().then(() => {
    idle = true;
  });
  await nextTurn();
  await nextTurn();
  assert.equal(idle, false);
  tail.syncs[0].settle();
  await nextTurn();
  assert.ok(one.receipt !== undefined && idle);
});
