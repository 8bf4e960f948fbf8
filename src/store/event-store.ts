// Tally's event store: events per project and day (in the project's time zone), each day a
// partition of immutable segment files plus a write buffer that queries see at once. The public
// entry of the store stage.
//
// Durability: `append` resolves once the events are in a write-ahead file and fsynced, so the
// processor may commit its queue offset then; after a crash the write-ahead files are replayed, and
// a record appended again (same offset) is not stored twice. Sealing and compaction write a new file
// under a temp name, fsync, rename, fsync the directory, then replace the manifest the same way:
// a segment is either whole and named by the manifest, or removed when the store opens.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { mkdirDurable } from "../util/durable-dir.js";
import { DayFinder } from "./day.js";
import { StoreError } from "./errors.js";
import { Partition } from "./partition.js";
import { inThreadBuilder, type SegmentBuilder } from "./segment-build.js";
import type { SegmentFile } from "./segment-reader.js";
import { lockStoreDir } from "./store-lock.js";
import type { EventBatch, EventText, StoredEvent } from "./stored-event.js";
import { validateEvents, validateEventTexts, validateProjectId } from "./validate-event.js";
import { eventTextOf, type WalEvent } from "./wal-record.js";
import { WorkerBuilder } from "./worker-builder.js";

export interface EventStoreOptions {
  /** A write buffer with this many rows is sealed into a segment. Default 100,000. */
  readonly sealRows?: number;
  /** A write buffer whose first row is this old (ms) is sealed. Default 60,000. */
  readonly sealAgeMs?: number;
  /** Compaction makes segments of up to this many rows. Default 1,000,000. */
  readonly maxSegmentRows?: number;
  /**
   * Background compaction starts once a day has this many small segments (16 while the day seals
   * full buffers back to back). Default 4.
   */
  readonly compactMinSegments?: number;
  /** How often background sealing and compaction look for work (ms); 0 turns them off. Default 1,000. */
  readonly maintenanceIntervalMs?: number;
  /** Where failures of background work go. Default: a process warning. */
  readonly onBackgroundError?: (error: unknown) => void;
  /** Build segments in a worker thread (default), or in the calling thread. */
  readonly sealInWorker?: boolean;
  /** The clock, for tests of age-based sealing. */
  readonly now?: () => number;
}

/** The rows of one day of one project at one moment. */
export interface PartitionSnapshot {
  readonly projectId: number;
  /** "YYYY-MM-DD" in the time zone the events were appended with. */
  readonly day: string;
  /** Sealed segments (each sorted by distinctId, time, offset), then buffer snapshots. */
  readonly batches: readonly EventBatch[];
}

/** Partitions to scan; `release` closes the segment files they read (call it when done). */
export interface StoreSnapshot {
  readonly partitions: readonly PartitionSnapshot[];
  release(): void;
}

const DAY_DIR = /^\d{4}-\d{2}-\d{2}$/;
const PROJECT_DIR = /^\d+$/;

/**
 * Full buffers of one partition sealed at once: one per sealing thread (worker-builder.ts). A
 * sustained stream keeps one seal busy all the time; with two, the second core takes what the
 * appending thread leaves of it, instead of the buffer growing while the one seal runs.
 */
const SEALS_IN_FLIGHT = 2;

/**
 * While a partition seals full buffers back to back (a burst), background compaction waits for this
 * many small segments instead of `compactMinSegments`: as flushes come before compactions in an LSM
 * tree, the seals that appends wait for keep the cores, and the merges come once the burst is over
 * (or once this many small segments have piled up, which bounds what a query opens).
 */
const BURST_COMPACT_MIN_SEGMENTS = 16;
/** A partition whose last seal of a full buffer ended less than this long ago (ms) is in a burst. */
const BURST_QUIET_MS = 5_000;

export class EventStore {
  private readonly projects = new Map<number, Map<string, Partition>>();
  private readonly dayFinders = new Map<string, DayFinder>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Size-triggered seals in flight per partition, oldest first (at most SEALS_IN_FLIGHT). */
  private readonly sealing = new Map<Partition, Promise<void>[]>();
  /** When each partition's last seal of a full buffer ended (ms). */
  private readonly lastFullSeal = new Map<Partition, number>();
  private timer: NodeJS.Timeout | null = null;
  private maintaining: Promise<void> | null = null;
  private closed = false;
  private readonly sealRows: number;
  private readonly sealAgeMs: number;
  private readonly maxSegmentRows: number;
  private readonly compactMinSegments: number;
  private readonly onBackgroundError: (error: unknown) => void;
  private readonly now: () => number;
  private readonly builder: SegmentBuilder;

  private constructor(
    readonly dir: string,
    private readonly unlock: () => Promise<void>,
    options: EventStoreOptions,
  ) {
    this.sealRows = options.sealRows ?? 100_000;
    this.sealAgeMs = options.sealAgeMs ?? 60_000;
    this.maxSegmentRows = options.maxSegmentRows ?? 1_000_000;
    this.compactMinSegments = options.compactMinSegments ?? 4;
    this.onBackgroundError =
      options.onBackgroundError ?? ((e) => process.emitWarning(`event store: ${(e as Error).message ?? e}`));
    this.now = options.now ?? Date.now;
    this.builder = options.sealInWorker === false ? inThreadBuilder : new WorkerBuilder();
  }

  /** Opens (or creates) the store in `dir`, recovering every partition from its files. */
  static async open(dir: string, options: EventStoreOptions = {}): Promise<EventStore> {
    await mkdirDurable(dir);
    const unlock = await lockStoreDir(dir);
    const store = new EventStore(dir, unlock, options);
    try {
      await store.recoverAll();
    } catch (error) {
      await store.builder.close();
      await unlock();
      throw error;
    }
    const interval = options.maintenanceIntervalMs ?? 1000;
    if (interval > 0) {
      store.timer = setInterval(() => store.maintainInBackground(), interval);
      store.timer.unref();
    }
    return store;
  }

  private async recoverAll(): Promise<void> {
    for (const project of await readdir(this.dir)) {
      if (!PROJECT_DIR.test(project)) continue;
      const projectId = Number(project);
      for (const day of await readdir(join(this.dir, project))) {
        if (!DAY_DIR.test(day)) continue;
        const partition = await Partition.recover(
          join(this.dir, project, day),
          projectId,
          day,
          this.builder,
          this.now(),
        );
        this.daysOf(projectId).set(day, partition);
      }
    }
  }

  private daysOf(projectId: number): Map<string, Partition> {
    let days = this.projects.get(projectId);
    if (days === undefined) {
      days = new Map();
      this.projects.set(projectId, days);
    }
    return days;
  }

  private partition(projectId: number, day: string): Partition {
    const days = this.daysOf(projectId);
    let p = days.get(day);
    if (p === undefined) {
      p = Partition.create(join(this.dir, String(projectId), day), projectId, day, this.builder);
      days.set(day, p);
    }
    return p;
  }

  private dayFinder(timeZone: string): DayFinder {
    let finder = this.dayFinders.get(timeZone);
    if (finder === undefined) {
      finder = new DayFinder(timeZone);
      this.dayFinders.set(timeZone, finder);
    }
    return finder;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError("store_closed", "the event store is closed");
  }

  /**
   * Stores events of one project. Resolves, with the number of events newly stored, once they are
   * durable; events whose offset the store already holds (a replay) are skipped. Events must come
   * in the order of their offsets across calls, as the queue hands them out.
   */
  async append(projectId: number, timeZone: string, events: readonly StoredEvent[]): Promise<number> {
    this.checkOpen();
    validateProjectId(projectId);
    validateEvents(events);
    return this.appendTexts(projectId, timeZone, events.map(eventTextOf));
  }

  /** Like `append`, for events that still hold the text they came in as (the processor's). */
  async appendText(projectId: number, timeZone: string, events: readonly EventText[]): Promise<number> {
    this.checkOpen();
    validateProjectId(projectId);
    validateEventTexts(events);
    return this.appendTexts(projectId, timeZone, events);
  }

  private async appendTexts(
    projectId: number,
    timeZone: string,
    events: readonly WalEvent[],
  ): Promise<number> {
    const finder = this.dayFinder(timeZone);
    const byDay = new Map<string, WalEvent[]>();
    for (const e of [...events].sort((a, b) => a.offset - b.offset)) {
      const day = finder.dayOf(e.time);
      let list = byDay.get(day);
      if (list === undefined) {
        list = [];
        byDay.set(day, list);
      }
      list.push(e);
    }
    const now = this.now();
    const counts = await Promise.all(
      Array.from(byDay, ([day, list]) => this.appendToDay(this.partition(projectId, day), list, now)),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  private async appendToDay(p: Partition, events: WalEvent[], now: number): Promise<number> {
    // Back-pressure: a buffer twice its seal size, with every sealing thread busy, waits for the
    // oldest seal rather than grow.
    const inFlight = this.sealing.get(p);
    if (inFlight !== undefined && inFlight.length >= SEALS_IN_FLIGHT && p.bufferedRows >= 2 * this.sealRows) {
      await inFlight[0].catch(() => undefined);
    }
    const count = await this.track(p.append(events, now));
    this.sealIfFull(p);
    return count;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    work.then(
      () => this.pending.delete(work),
      () => this.pending.delete(work),
    );
    return work;
  }

  private sealIfFull(p: Partition): void {
    let inFlight = this.sealing.get(p);
    if (p.bufferedRows < this.sealRows || (inFlight?.length ?? 0) >= SEALS_IN_FLIGHT) return;
    if (inFlight === undefined) {
      inFlight = [];
      this.sealing.set(p, inFlight);
    }
    const list = inFlight;
    const seal = this.track(p.seal()).finally(() => {
      this.lastFullSeal.set(p, this.now());
      list.splice(list.indexOf(seal), 1);
      if (list.length === 0 && this.sealing.get(p) === list) this.sealing.delete(p);
    });
    list.push(seal);
    seal.catch(this.onBackgroundError);
  }

  /**
   * What the store holds for a project's days from `fromDay` to `toDay`, as a string that changes
   * whenever an event is added to any of them (each day's highest queue offset): a cache key part.
   */
  dataVersion(projectId: number, fromDay: string, toDay: string): string {
    const days = this.projects.get(projectId);
    const parts: string[] = [];
    for (const day of this.days(projectId)) {
      if (day >= fromDay && day <= toDay) parts.push(`${day}:${days!.get(day)!.highWater()}`);
    }
    return parts.join(",");
  }

  /** Days of a project that hold events, ascending. */
  days(projectId: number): string[] {
    const days = this.projects.get(projectId);
    if (days === undefined) return [];
    return Array.from(days.keys())
      .filter((day) => !days.get(day)!.isEmpty())
      .sort();
  }

  /** A consistent view of a project's days from `fromDay` to `toDay` (inclusive, "YYYY-MM-DD"). */
  partitions(projectId: number, fromDay: string, toDay: string): StoreSnapshot {
    this.checkOpen();
    const files: SegmentFile[] = [];
    const release = () => {
      for (const f of files.splice(0)) f.close();
    };
    const partitions: PartitionSnapshot[] = [];
    try {
      for (const day of this.days(projectId)) {
        if (day < fromDay || day > toDay) continue;
        const view = this.projects.get(projectId)!.get(day)!.view();
        files.push(...view.files);
        if (view.batches.length > 0) partitions.push({ projectId, day, batches: view.batches });
      }
    } catch (error) {
      release();
      throw error;
    }
    return { partitions, release };
  }

  private allPartitions(): Partition[] {
    const out: Partition[] = [];
    for (const days of this.projects.values()) out.push(...days.values());
    return out;
  }

  /** Seals every write buffer into segments. */
  async sealAll(): Promise<void> {
    this.checkOpen();
    await Promise.all(this.allPartitions().map((p) => this.track(p.seal(true))));
  }

  /** Merges the small segments of every day that has at least `minSegments` of them (default 2). */
  async compact(minSegments = 2): Promise<number> {
    this.checkOpen();
    const merges = await Promise.all(
      this.allPartitions().map((p) => this.track(p.compact(minSegments, this.maxSegmentRows))),
    );
    return merges.reduce((a, b) => a + b, 0);
  }

  private maintainInBackground(): void {
    if (this.maintaining !== null || this.closed) return;
    this.maintaining = this.maintain()
      .catch(this.onBackgroundError)
      .finally(() => {
        this.maintaining = null;
      });
  }

  /** One round of background work: seal old buffers, compact days with many small segments. */
  private async maintain(): Promise<void> {
    const now = this.now();
    for (const p of this.allPartitions()) {
      if (this.closed) return;
      if (p.bufferedRows > 0 && now - p.bufferStartedAt >= this.sealAgeMs) await this.track(p.seal(true));
      const inBurst =
        this.sealing.has(p) || now - (this.lastFullSeal.get(p) ?? Number.NEGATIVE_INFINITY) < BURST_QUIET_MS;
      const minSegments = inBurst
        ? Math.max(this.compactMinSegments, BURST_COMPACT_MIN_SEGMENTS)
        : this.compactMinSegments;
      await this.track(p.compact(minSegments, this.maxSegmentRows));
    }
  }

  /** Waits for appends and background work, then releases the directory. Buffers stay in their write-ahead files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await Promise.allSettled([...this.pending, this.maintaining]);
    await Promise.all(this.allPartitions().map((p) => p.idle()));
    await this.builder.close();
    await this.unlock();
  }
}
