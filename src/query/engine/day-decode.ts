// What a scan worker does with one day of a cold query: opens the day's sealed segments by path and
// decodes what the query will read of them — through the very ScanBatch accessors and
// deduplication code the main thread runs, into a cache that records what it loads — and returns
// the entries under the keys the main thread's EngineCache names them by. Sealed segments never
// change, so an entry decoded here is the one the main thread would have decoded.

import { SegmentBatch } from "../../store/segment-batch.js";
import { SegmentFile } from "../../store/segment-reader.js";
import { prepareSealedDedup, sealedDeadKey } from "./dedup.js";
import { EngineCache } from "./engine-cache.js";
import { QueryEvents } from "./query-events.js";
import { ScanBatch, type ScanContext } from "./scan-batch.js";
import { hasWanted, onlyCode } from "./scan-rows.js";

/** What a query reads of a batch with a wanted event, besides its events, time and dead rows. */
export interface DecodeReads {
  /** The distinct ids (each row's user). */
  readonly users: boolean;
  readonly offsets: boolean;
  readonly keyOrders: boolean;
  readonly idRunEnds: boolean;
  /** Event properties that `where` and the sink read. */
  readonly properties: readonly string[];
}

/** One day's sealed segments, to decode for one query. */
export interface DayTask {
  /** "YYYY-MM-DD", for messages. */
  readonly day: string;
  /** Each sealed segment: its file, and the key (sealedKey) the query's snapshot names it by. */
  readonly segments: readonly { readonly path: string; readonly key: string }[];
  /** Whether the day also has write buffers, which deduplication probes with row hashes. */
  readonly buffered: boolean;
  /** The event names the query counts; null: every event. */
  readonly events: readonly string[] | null;
  readonly reads: DecodeReads;
  /** Keys the query's cache already holds: neither decoded (where nothing else needs them) nor sent. */
  readonly cached: readonly string[];
}

/** A cache entry: key, value, and the bytes the cache charges for it. */
export type DecodedEntry = readonly [key: string, value: unknown, bytes: number];

const NO_ALIASES: ReadonlyMap<string, string> = new Map();

/** An unbounded cache that remembers every entry it loads, in order. */
class RecordingCache extends EngineCache {
  readonly loaded: DecodedEntry[] = [];

  constructor() {
    super({ maxBytes: Number.MAX_SAFE_INTEGER });
  }

  override cached<V>(key: string, load: () => V, bytesOf: (value: V) => number): V {
    return super.cached(key, load, (value) => {
      const bytes = bytesOf(value);
      this.loaded.push([key, value, bytes]);
      return bytes;
    });
  }
}

/** Decodes what the query reads of the day's sealed segments; throws when a file is not the one named. */
export function decodeDay(task: DayTask): DecodedEntry[] {
  const cache = new RecordingCache();
  // Identity, profiles and the zone stay on the main thread: nothing decoded here reads them.
  const ctx: ScanContext = {
    cache,
    aliases: NO_ALIASES,
    identity: cache.identity(NO_ALIASES),
    profiles: () => undefined,
    timeZone: "UTC",
  };
  const files: SegmentFile[] = [];
  try {
    const batches = task.segments.map(({ path, key }) => {
      const file = SegmentFile.open(path);
      files.push(file);
      const batch = new ScanBatch(new SegmentBatch(file), ctx);
      // Decode only the file the snapshot holds open: its key names size, rows and offsets.
      if (batch.key !== key) throw new Error(`${path} is no longer the segment the query holds`);
      return batch;
    });
    return readDay(task, batches, cache);
  } finally {
    for (const file of files) file.close();
  }
}

/** What the query lacks of the day's batches, as cache entries to send. */
function readDay(task: DayTask, batches: readonly ScanBatch[], cache: RecordingCache): DecodedEntry[] {
  const cached = new Set(task.cached);
  const events = new QueryEvents(task.events);
  const tables = batches.map((b) => events.table(b.events.dictionary));
  if (tables.some(hasWanted)) {
    batches.forEach((b, i) => {
      if (hasWanted(tables[i]))
        readParts(b, tables[i], task.reads, (part) => !cached.has(`${b.key}\u0000${part}`));
    });
    const keys = batches.map((b) => b.key as string);
    const hashed = !task.buffered || keys.every((k) => cached.has(`${k}\u0000insertHashes`));
    if (!cached.has(sealedDeadKey(keys)) || !hashed) prepareSealedDedup(batches, task.buffered, cache);
  }
  return cache.loaded.filter((entry) => !cached.has(entry[0]) && shippable(entry));
}

/** Loads, through the batch's cache, the parts the main thread's scan of it will ask for and lacks. */
function readParts(
  batch: ScanBatch,
  table: Int32Array,
  reads: DecodeReads,
  lacks: (part: string) => boolean,
): void {
  if (lacks("time")) void batch.time;
  if (lacks("timeRange")) batch.timeRange();
  if (onlyCode(table) >= 0 && lacks("eventRows")) batch.eventRows();
  if (reads.users && lacks("distinctIds")) void batch.distinctIds;
  if (reads.offsets && lacks("offsets")) void batch.offsets;
  if (reads.keyOrders && lacks("keyOrders")) void batch.keyOrders;
  if (reads.idRunEnds && lacks("idRunEnds")) batch.idRunEnds();
  for (const name of reads.properties) if (lacks(`p\u0000${name}`)) batch.property(name);
}

/**
 * Property columns holding lists or objects stay behind: a structured clone would give their
 * null-prototype objects Object's prototype, so the main thread decodes those itself.
 */
function shippable([, value]: DecodedEntry): boolean {
  if (typeof value !== "object" || value === null || !("others" in value)) return true;
  return (value.others as ReadonlyMap<number, unknown>).size === 0;
}
