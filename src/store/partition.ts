// One project's events of one day: sealed segments named by the manifest, frozen buffers being
// sealed, and the active write buffer. Appends, seals and compactions are each serialised among
// themselves, and the three lines of work run side by side (a seal never waits behind a long
// merge): they touch disjoint files, replace the manifest one at a time, and swap state only in
// synchronous steps, so a snapshot sees every row exactly once.
//
// Idempotent replay: records reach a partition in increasing offset order, so a record whose offset
// is not above the partition's high-water mark is one it already holds, and is dropped.

import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { mkdirDurable } from "../util/durable-dir.js";
import { removeIfPresent, TEMP_SUFFIX } from "./durable-fs.js";
import { corrupt } from "./errors.js";
import { frameMemory } from "./frame-memory.js";
import {
  emptyManifest,
  MANIFEST_FILE,
  type Manifest,
  readManifest,
  type SegmentEntry,
  writeManifest,
} from "./manifest.js";
import { SegmentBatch } from "./segment-batch.js";
import type { BuiltSegment, SegmentBuilder } from "./segment-build.js";
import type { SegmentFooter } from "./segment-format.js";
import { SegmentFile } from "./segment-reader.js";
import type { EventBatch } from "./stored-event.js";
import { appendWalFrame, encodeWalFrame, readWal, walPayload } from "./wal.js";
import { eventTextOf, type WalEvent } from "./wal-record.js";
import { WriteBuffer } from "./write-buffer.js";

/** A buffer is split for sealing only into parts of at least this many rows. */
const MIN_PART_ROWS = 25_000;

const SEGMENT_FILE = /^seg-(\d+)\.tseg$/;
const WAL_FILE = /^wal-(\d+)\.log$/;

function segmentName(n: number): string {
  return `seg-${String(n).padStart(6, "0")}.tseg`;
}

function walName(n: number): string {
  return `wal-${String(n).padStart(6, "0")}.log`;
}

function entryOf(file: string, built: BuiltSegment): SegmentEntry {
  const f = built.footer;
  return {
    file,
    rows: f.rows,
    bytes: built.size,
    minTime: f.minTime,
    maxTime: f.maxTime,
    minOffset: f.minOffset,
    maxOffset: f.maxOffset,
  };
}

/** Runs tasks one after another; a failed task does not stop the ones behind it. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/** A frozen buffer's segment being built: its file name and the build. */
interface Build {
  readonly file: string;
  readonly built: Promise<BuiltSegment>;
}

/** What a snapshot of a partition holds: batches to scan and files to close when done. */
export interface PartitionView {
  readonly batches: EventBatch[];
  readonly files: SegmentFile[];
}

export class Partition {
  private active = new WriteBuffer();
  private readonly frozen: WriteBuffer[] = [];
  /** Builds of frozen buffers, started when each was frozen; a failed one is redone by the next seal. */
  private readonly builds = new Map<WriteBuffer, Build>();
  private readonly appends = new SerialQueue();
  private readonly seals = new SerialQueue();
  private readonly merges = new SerialQueue();
  private readonly manifestWrites = new SerialQueue();
  private readonly footers = new Map<string, { footer: SegmentFooter; size: number }>();
  private dirReady: boolean;

  private constructor(
    readonly dir: string,
    readonly projectId: number,
    readonly day: string,
    private readonly builder: SegmentBuilder,
    private manifest: Manifest,
    private nextSegment: number,
    private nextWal: number,
    exists: boolean,
  ) {
    this.dirReady = exists;
  }

  static create(dir: string, projectId: number, day: string, builder: SegmentBuilder): Partition {
    return new Partition(dir, projectId, day, builder, emptyManifest(projectId, day), 1, 1, false);
  }

  /** Opens a partition directory after a stop or a crash: see docs/segment-format.md, "Recovery". */
  static async recover(
    dir: string,
    projectId: number,
    day: string,
    builder: SegmentBuilder,
    now: number,
  ): Promise<Partition> {
    const manifest = (await readManifest(dir)) ?? emptyManifest(projectId, day);
    if (manifest.projectId !== projectId || manifest.day !== day) {
      throw corrupt(join(dir, MANIFEST_FILE), `manifest is for ${manifest.projectId}/${manifest.day}`);
    }
    const referenced = new Set(manifest.segments.map((s) => s.file));
    const names = await readdir(dir);
    let nextSegment = manifest.nextSegment;
    const wals: { n: number; path: string }[] = [];
    for (const name of names) {
      const segment = SEGMENT_FILE.exec(name);
      const wal = WAL_FILE.exec(name);
      if (name.endsWith(TEMP_SUFFIX) || (segment !== null && !referenced.has(name))) {
        await removeIfPresent(join(dir, name));
      }
      if (segment !== null) nextSegment = Math.max(nextSegment, Number(segment[1]) + 1);
      if (wal !== null) wals.push({ n: Number(wal[1]), path: join(dir, name) });
    }
    for (const file of referenced) {
      if (!names.includes(file)) throw corrupt(join(dir, file), "segment named by the manifest is missing");
    }
    wals.sort((a, b) => a.n - b.n);
    const nextWal = wals.length > 0 ? wals[wals.length - 1].n + 1 : 1;
    const partition = new Partition(dir, projectId, day, builder, manifest, nextSegment, nextWal, true);
    await partition.replay(wals, now);
    return partition;
  }

  private async replay(wals: readonly { path: string }[], now: number): Promise<void> {
    let highWater = this.manifest.sealedThrough;
    for (const { path } of wals) {
      const fresh = (await readWal(path)).filter((e) => {
        if (e.offset <= highWater) return false;
        highWater = e.offset;
        return true;
      });
      if (fresh.length > 0) {
        // Written again in the current record version, whatever version the file has.
        const payload = walPayload(encodeWalFrame(fresh.map(eventTextOf)));
        this.active.add(payload, fresh.length, highWater, now);
      }
      // A file with nothing unsealed in it is done with; one with rows goes when they are sealed.
      if (fresh.length === 0) await removeIfPresent(path);
      else this.active.walFiles.push(path);
    }
  }

  /** The highest offset this partition holds, sealed or not; -1 when empty. */
  highWater(): number {
    let mark = Math.max(this.manifest.sealedThrough, this.active.maxOffset);
    for (const b of this.frozen) mark = Math.max(mark, b.maxOffset);
    return mark;
  }

  /** True while the partition holds no event (say, its first append failed). */
  isEmpty(): boolean {
    return this.manifest.segments.length === 0 && this.frozen.length === 0 && this.active.rowCount === 0;
  }

  get bufferedRows(): number {
    return this.active.rowCount;
  }

  get bufferStartedAt(): number {
    return this.active.startedAt;
  }

  /** Stores the events not already held; resolves with how many, once they are durable. */
  append(events: readonly WalEvent[], now: number): Promise<number> {
    return this.appends.run(async () => {
      let mark = this.highWater();
      const fresh = events.filter((e) => {
        if (e.offset <= mark) return false;
        mark = e.offset;
        return true;
      });
      if (fresh.length === 0) return 0;
      const buffer = this.active;
      const create = buffer.currentWal === null;
      if (create) {
        // Up to the store's root (dir is root/project/day), every time until it has once worked.
        if (!this.dirReady) await mkdirDurable(this.dir, dirname(dirname(this.dir)));
        this.dirReady = true;
        buffer.currentWal = join(this.dir, walName(this.nextWal++));
        buffer.walFiles.push(buffer.currentWal);
      }
      const frame = encodeWalFrame(fresh);
      try {
        await appendWalFrame(buffer.currentWal!, frame, create);
      } catch (error) {
        // The file may end in a torn frame now: never append after it.
        buffer.currentWal = null;
        throw error;
      }
      buffer.add(walPayload(frame), fresh.length, mark, now);
      return fresh.length;
    });
  }

  /**
   * Seals the active buffer (and any frozen one left by a failed seal) into segments. The buffer is
   * frozen and its segment starts building at once, beside a seal still in flight (the builder may
   * have a thread free: at the end of a burst the appending thread is idle); segments join the
   * manifest in the order their buffers were frozen, so `sealedThrough` never passes a row that is
   * only in a write-ahead file. Resolves once the buffers frozen up to this call are sealed, not
   * those frozen after it: a caller that counts seals in flight learns at once that a thread is free.
   * `split`: a big buffer is shared among the sealing threads, as consecutive parts, each its own
   * segment (for seals of whatever a burst left, which nothing follows; a full buffer's seal keeps
   * its segment whole). The builder gives each part the first thread that is free, so splitting
   * never ends later than not splitting, even while other seals are running.
   */
  seal(split = false): Promise<void> {
    const frozen = this.appends.run(async (): Promise<WriteBuffer | undefined> => {
      if (this.active.rowCount > 0) {
        const parts = split
          ? Math.min(this.builder.sealThreads(), Math.floor(this.active.rowCount / MIN_PART_ROWS))
          : 1;
        for (const part of this.active.split(parts)) {
          this.frozen.push(part);
          this.startBuild(part);
        }
        this.active = new WriteBuffer();
      }
      return this.frozen[this.frozen.length - 1];
    });
    return this.seals.run(async () => {
      const last = await frozen;
      if (last === undefined) return;
      while (this.frozen.includes(last)) await this.sealBuffer(this.frozen[0]);
    });
  }

  private startBuild(buffer: WriteBuffer): Build {
    const file = segmentName(this.nextSegment++);
    const built = this.builder.seal(join(this.dir, file), buffer.payloads, buffer.rowCount);
    const build = { file, built };
    this.builds.set(buffer, build);
    // Awaited by sealBuffer in freezing order: a failure before then must not count as unhandled.
    built.catch(() => undefined);
    return build;
  }

  /**
   * Writes the manifest `change` makes of the current one; `swap` then runs in the same synchronous
   * step as the new manifest takes effect, so no snapshot sees a row twice or not at all.
   */
  private replaceManifest(change: (current: Manifest) => Manifest, swap: () => void): Promise<void> {
    return this.manifestWrites.run(async () => {
      const next = change(this.manifest);
      await writeManifest(this.dir, next);
      this.manifest = next;
      swap();
    });
  }

  private async sealBuffer(buffer: WriteBuffer): Promise<void> {
    const build = this.builds.get(buffer) ?? this.startBuild(buffer);
    const { file } = build;
    let built: BuiltSegment;
    try {
      built = await build.built;
    } finally {
      // Done with, or failed: a failed build fails this seal, and the next seal builds again.
      this.builds.delete(buffer);
    }
    const added = (m: Manifest): Manifest => ({
      ...m,
      sealedThrough: Math.max(m.sealedThrough, buffer.maxOffset),
      nextSegment: this.nextSegment,
      segments: [...m.segments, entryOf(file, built)],
    });
    await this.replaceManifest(added, () => {
      this.footers.set(file, built);
      this.frozen.shift();
      // No view or seal reads the buffer's frames any more (views parse them at once).
      for (const payload of buffer.payloads) frameMemory.give(payload.buffer);
    });
    for (const wal of buffer.walFiles) await removeIfPresent(wal);
  }

  /**
   * Merges small segments (under half of `maxRows`) into segments of up to `maxRows`, when there
   * are at least `minSegments` of them. Resolves with the number of merges.
   */
  compact(minSegments: number, maxRows: number): Promise<number> {
    return this.merges.run(async () => {
      let merges = 0;
      for (;;) {
        const group = this.pickMerge(Math.max(2, minSegments), maxRows);
        if (group === null) return merges;
        await this.merge(group);
        merges++;
      }
    });
  }

  private pickMerge(minSegments: number, maxRows: number): SegmentEntry[] | null {
    const small = this.manifest.segments.filter((s) => s.rows < maxRows / 2);
    if (small.length < minSegments) return null;
    small.sort((a, b) => a.minOffset - b.minOffset);
    const group: SegmentEntry[] = [];
    let rows = 0;
    for (const s of small) {
      if (rows + s.rows > maxRows) break;
      group.push(s);
      rows += s.rows;
    }
    return group.length >= 2 ? group : null;
  }

  private async merge(group: readonly SegmentEntry[]): Promise<void> {
    const inputs = group.map((e) => {
      const known = this.footers.get(e.file) ?? this.readFooter(e.file);
      return { path: join(this.dir, e.file), ...known };
    });
    const file = segmentName(this.nextSegment++);
    const built = await this.builder.merge(join(this.dir, file), inputs);
    const merged = new Set(group.map((e) => e.file));
    const replaced = (m: Manifest): Manifest => ({
      ...m,
      nextSegment: this.nextSegment,
      segments: [...m.segments.filter((s) => !merged.has(s.file)), entryOf(file, built)].sort(
        (a, b) => a.minOffset - b.minOffset,
      ),
    });
    await this.replaceManifest(replaced, () => this.footers.set(file, built));
    // Open snapshots keep their descriptors, so the old files read on until they are released.
    for (const old of merged) {
      this.footers.delete(old);
      await removeIfPresent(join(this.dir, old));
    }
  }

  /** Reads (and checks) a segment's footer once, for handing it to the builder. */
  private readFooter(file: string): BuiltSegment {
    const segment = this.openSegment(file);
    segment.close();
    return this.footers.get(file)!;
  }

  private openSegment(file: string): SegmentFile {
    const segment = SegmentFile.open(join(this.dir, file), this.footers.get(file));
    this.footers.set(file, { footer: segment.footer, size: segment.size });
    return segment;
  }

  /** Every row of the partition right now: sealed segments, then buffers being sealed, then the active one. */
  view(): PartitionView {
    const files: SegmentFile[] = [];
    try {
      for (const e of this.manifest.segments) files.push(this.openSegment(e.file));
    } catch (error) {
      for (const f of files) f.close();
      throw error;
    }
    const batches: EventBatch[] = files.map((f) => new SegmentBatch(f));
    for (const b of [...this.frozen, this.active]) {
      const snapshot = b.snapshot();
      if (snapshot !== null) batches.push(snapshot);
    }
    return { batches, files };
  }

  /** Resolves once no append, seal or compaction of this partition is running. */
  async idle(): Promise<void> {
    await Promise.all([
      this.appends.idle(),
      this.seals.idle(),
      this.merges.idle(),
      this.manifestWrites.idle(),
    ]);
  }
}
