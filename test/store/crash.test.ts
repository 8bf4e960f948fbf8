import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { EventStore } from "../../src/store/event-store.js";
import type { StoredEvent } from "../../src/store/stored-event.js";
import { seededRandom } from "../seeded-random.js";
import { CHILD_BATCH, childEvents } from "./crash-workload.js";
import { randomEvents } from "./random-events.js";
import { exactText, readAll, removeTempDirs, tempDir } from "./store-helpers.js";

after(removeTempDirs);

const CHILD = fileURLToPath(new URL("./append-child.ts", import.meta.url));
const START = Date.UTC(2024, 0, 15) / 1000;

function partitionDirs(root: string): string[] {
  const out: string[] = [];
  for (const project of readdirSync(root).filter((n) => /^\d+$/.test(n))) {
    for (const day of readdirSync(join(root, project))) out.push(join(root, project, day));
  }
  return out;
}

/** Runs the child from `from`, kills it with SIGKILL after `acks` appends resolved; the last acked offset. */
function appendThenKill(dir: string, from: number, acks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir, String(from)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let lastAcked = from - 1;
    let seen = 0;
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const lines = text.split("\n");
      text = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "open") continue;
        lastAcked = Number(line);
        if (++seen === acks) child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(lastAcked);
      else reject(new Error(`child exited with ${code} before it was killed`));
    });
  });
}

test("after kill -9 mid-append every acknowledged event is stored exactly once, and replay completes the rest", async () => {
  const dir = tempDir();
  const events = childEvents();
  const firstAck = await appendThenKill(dir, 0, 20);
  const secondAck = await appendThenKill(dir, firstAck + 1, 25);
  assert.ok(secondAck >= firstAck + 25 * CHILD_BATCH - 1);
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    const stored = readAll(store, 1);
    const offsets = stored.map((e) => e.offset);
    assert.equal(new Set(offsets).size, offsets.length, "no event is stored twice");
    assert.deepEqual(
      offsets.slice(0, secondAck + 1),
      Array.from({ length: secondAck + 1 }, (_, i) => i),
      "every acknowledged event is there",
    );
    // A batch spans two days, one write-ahead frame each: a kill between their fsyncs leaves part of
    // an unacknowledged batch stored, so compare each stored event with the one sent at its offset.
    const sent = stored.map((e) => events[e.offset]);
    assert.deepStrictEqual(stored, sent, "stored events are whole and exact");
    // The processor replays from its last committed offset: nothing doubles, the rest arrives.
    await store.append(1, "Europe/Berlin", events.slice(firstAck + 1));
    assert.deepEqual(exactText(readAll(store, 1)), exactText(events));
  } finally {
    await store.close();
  }
});

test("a torn temp file, an unreferenced segment and a torn manifest are removed on open", async () => {
  const dir = tempDir();
  const events = randomEvents(seededRandom(3), 200, 0, START, 1);
  let store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  await store.append(1, "UTC", events);
  await store.sealAll();
  await store.close();
  const [partition] = partitionDirs(dir);
  const [segment] = readdirSync(partition).filter((n) => n.endsWith(".tseg"));
  copyFileSync(join(partition, segment), join(partition, "seg-000099.tseg"));
  writeFileSync(join(partition, "seg-000100.tseg.tmp"), "half a segm");
  writeFileSync(join(partition, "manifest.json.tmp"), '{"version":1,"segm');
  store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    assert.deepStrictEqual(readAll(store, 1), events, "the unreferenced copy is not read");
    assert.deepEqual(readdirSync(partition).sort(), ["manifest.json", segment]);
  } finally {
    await store.close();
  }
});

test("a write-ahead file left behind by a crash after sealing adds nothing twice", async () => {
  const dir = tempDir();
  const events = randomEvents(seededRandom(5), 100, 0, START, 1);
  let store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  await store.append(1, "UTC", events);
  const [partition] = partitionDirs(dir);
  const [wal] = readdirSync(partition).filter((n) => n.endsWith(".log"));
  copyFileSync(join(partition, wal), join(dir, "saved.log"));
  await store.sealAll();
  await store.close();
  assert.equal(existsSync(join(partition, wal)), false, "sealing removes the write-ahead file");
  copyFileSync(join(dir, "saved.log"), join(partition, wal));
  store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
});

/** The byte positions of a write-ahead file's frames (12-byte header; each frame CRC, length, payload). */
function framePositions(bytes: Buffer): number[] {
  const positions: number[] = [];
  for (let pos = 12; pos + 8 <= bytes.length; pos += 8 + bytes.readUInt32LE(pos + 4)) positions.push(pos);
  return positions;
}

/** A store of `events` appended 30 at a time, closed; its one partition's write-ahead file. */
async function storeInThirds(dir: string, events: readonly StoredEvent[]) {
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  for (let i = 0; i < events.length; i += 30) await store.append(1, "UTC", events.slice(i, i + 30));
  await store.close();
  const [partition] = partitionDirs(dir);
  const [wal] = readdirSync(partition).filter((n) => n.endsWith(".log"));
  return { partition, wal: join(partition, wal) };
}

/** The store of `storeInThirds(dir, events)` opens with its first two thirds, and takes the last again. */
async function assertLastThirdTorn(dir: string, events: readonly StoredEvent[]): Promise<void> {
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    assert.deepStrictEqual(readAll(store, 1), events.slice(0, 60));
    await store.append(1, "UTC", events.slice(60));
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
}

test("a last frame whose length field never reached the disk is torn, not corruption", async () => {
  const dir = tempDir();
  const events = randomEvents(seededRandom(7), 90, 0, START, 1);
  const { wal } = await storeInThirds(dir, events);
  const bytes = readFileSync(wal);
  const last = framePositions(bytes)[2];
  // The frame's header straddled a page boundary: its CRC written, the page with its length not.
  bytes.fill(0, last + 4, last + 12);
  writeFileSync(wal, bytes);
  await assertLastThirdTorn(dir, events);
});

/** A store in thirds whose middle frame `damage` changes, at the frame's byte position: must not open. */
async function assertMiddleDamageRefused(
  seed: number,
  damage: (bytes: Buffer, at: number) => void,
  message: RegExp,
) {
  const dir = tempDir();
  const { wal } = await storeInThirds(dir, randomEvents(seededRandom(seed), 90, 0, START, 1));
  const bytes = readFileSync(wal);
  damage(bytes, framePositions(bytes)[1]);
  writeFileSync(wal, bytes);
  await assert.rejects(EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false }), {
    code: "store_corrupt",
    message,
  });
}

test("a zero length field with whole frames after it is damage, and fails loudly", async () => {
  await assertMiddleDamageRefused(
    10,
    (bytes, at) => bytes.fill(0, at + 4, at + 8),
    /zero length and whole frames after it/,
  );
});

test("a write-ahead file created but never written (all zeros) is an append that never resolved", async () => {
  const dir = tempDir();
  const events = randomEvents(seededRandom(8), 60, 0, START, 1);
  const { partition } = await storeInThirds(dir, events);
  writeFileSync(join(partition, "wal-000099.log"), Buffer.alloc(8192));
  const store = await EventStore.open(dir, { maintenanceIntervalMs: 0, sealInWorker: false });
  try {
    assert.deepStrictEqual(readAll(store, 1), events);
  } finally {
    await store.close();
  }
});

test("a damaged frame with whole frames after it still fails loudly", async () => {
  await assertMiddleDamageRefused(
    9,
    (bytes, at) => {
      bytes[at + 20] ^= 0xff;
    },
    /fails its checksum and is not the last/,
  );
});

test("a write-ahead file whose last frame is torn keeps every whole frame", async () => {
  const dir = tempDir();
  const events = randomEvents(seededRandom(6), 90, 0, START, 1);
  const { wal } = await storeInThirds(dir, events);
  truncateSync(wal, statSync(wal).size - 10);
  await assertLastThirdTorn(dir, events);
});
