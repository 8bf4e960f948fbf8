// Cold scans decode on worker threads. Before a scan plans its batches, every day whose sealed
// segments lack in the cache something the query will read is sent to the scan pool, and what the
// workers decode is put in the cache under the keys the scan then finds; the scan itself, identity
// and the write buffers stay on this thread, so its replies cannot differ. A warm query finds every
// part in the cache and sends nothing: a few lookups per segment.

import { propertyReads } from "../../expr/reads.js";
import type { PartitionSnapshot } from "../../store/event-store.js";
import { SegmentBatch } from "../../store/segment-batch.js";
import type { CodedStrings } from "../../store/stored-event.js";
import type { Expression } from "../params.js";
import type { DayTask, DecodeReads } from "./day-decode.js";
import { sealedDeadKey } from "./dedup.js";
import type { EngineCache } from "./engine-cache.js";
import type { QueryEvents } from "./query-events.js";
import { sealedKey } from "./scan-batch.js";
import type { ScanPool } from "./scan-pool.js";

/** What a scan's sink reads beyond the scan's own needs, so that a cold query decodes it ahead. */
export interface ScanReads {
  /** Expressions the sink evaluates (`on`, a step's selector): their event properties. */
  readonly expressions?: readonly (Expression | undefined)[];
  /** Event properties the sink reads by name. */
  readonly properties?: readonly string[];
  readonly offsets?: boolean;
  readonly keyOrders?: boolean;
  readonly idRunEnds?: boolean;
}

export interface PrefetchRequest {
  readonly events: QueryEvents;
  readonly where: Expression | undefined;
  readonly users: boolean;
  readonly reads?: ScanReads;
}

function decodeReads(request: PrefetchRequest): DecodeReads {
  const properties = new Set<string>();
  for (const e of [request.where, ...(request.reads?.expressions ?? [])]) {
    if (e === undefined) continue;
    for (const read of propertyReads(e.node)) if (read.source === "properties") properties.add(read.name);
  }
  const reads = request.reads ?? {};
  for (const name of reads.properties ?? []) properties.add(name);
  return {
    users: request.users,
    offsets: reads.offsets === true,
    keyOrders: reads.keyOrders === true,
    idRunEnds: reads.idRunEnds === true,
    properties: [...properties],
  };
}

/**
 * The parts (ScanBatch's names) a scan reads of a segment with `wanted` wanted event codes; with
 * `derived`, also those computed from other parts in one pass (time range, event index, runs of a
 * stored id), which alone do not make a day cold: the scan derives them from the cached parts in
 * less time than a worker would take to decode the day again.
 */
function partsOf(wanted: number, reads: DecodeReads, derived: boolean): string[] {
  const parts = ["time"];
  if (reads.users) parts.push("distinctIds");
  if (reads.offsets) parts.push("offsets");
  if (reads.keyOrders) parts.push("keyOrders");
  for (const name of reads.properties) parts.push(`p\u0000${name}`);
  if (!derived) return parts;
  parts.push("timeRange");
  if (wanted === 1) parts.push("eventRows");
  if (reads.idRunEnds) parts.push("idRunEnds");
  return parts;
}

function wantedCodes(dictionary: readonly string[], wanted: ReadonlySet<string> | null): number {
  if (wanted === null) return dictionary.length;
  let n = 0;
  for (const name of dictionary) if (wanted.has(name)) n++;
  return n;
}

/** Whether the cache lacks something the scan will read of the day's sealed segments. */
function isCold(
  keys: readonly string[],
  buffered: boolean,
  wanted: ReadonlySet<string> | null,
  reads: DecodeReads,
  cache: EngineCache,
): boolean {
  const missing = (key: string, part: string) => cache.peek(`${key}\u0000${part}`) === undefined;
  let anyWanted = false;
  for (const key of keys) {
    const events = cache.peek<CodedStrings>(`${key}\u0000events`);
    if (events === undefined) return true;
    const n = wantedCodes(events.dictionary, wanted);
    if (n === 0) continue;
    anyWanted = true;
    if (partsOf(n, reads, false).some((part) => missing(key, part))) return true;
  }
  if (!anyWanted) return false;
  if (cache.peek(sealedDeadKey(keys)) === undefined) return true;
  return buffered && keys.some((key) => missing(key, "insertHashes"));
}

/** What the cache already holds of a cold day, among what a worker would decode: it skips those. */
function cachedOf(
  keys: readonly string[],
  buffered: boolean,
  reads: DecodeReads,
  cache: EngineCache,
): string[] {
  const candidates = [sealedDeadKey(keys)];
  for (const key of keys) {
    for (const part of ["events", ...partsOf(2, reads, true), "eventRows"])
      candidates.push(`${key}\u0000${part}`);
    if (buffered) candidates.push(`${key}\u0000insertHashes`);
  }
  return candidates.filter((k) => cache.peek(k) !== undefined);
}

/** The days of `partitions` whose sealed segments the cache does not yet hold what the query reads of. */
function coldDays(
  partitions: readonly PartitionSnapshot[],
  request: PrefetchRequest,
  cache: EngineCache,
): DayTask[] {
  const reads = decodeReads(request);
  const events = request.events.wanted;
  const wanted = events === null ? null : new Set(events);
  const tasks: DayTask[] = [];
  for (const p of partitions) {
    const sealed = p.batches.filter((b): b is SegmentBatch => b instanceof SegmentBatch);
    if (sealed.length === 0) continue;
    const keys = sealed.map((b) => sealedKey(b) as string);
    const buffered = sealed.length < p.batches.length;
    if (!isCold(keys, buffered, wanted, reads, cache)) continue;
    const segments = sealed.map((b, i) => ({ path: b.file.path, key: keys[i] }));
    tasks.push({
      day: p.day,
      segments,
      buffered,
      events,
      reads,
      cached: cachedOf(keys, buffered, reads, cache),
    });
  }
  return tasks;
}

/**
 * Decodes the cold days of a query on the pool's threads into `cache`. Rejects with the signal's
 * reason when the query is aborted, or with a ScanWorkerError when a thread dies; either way the
 * query's other days stop. Once the days decoded fill half the cache's bound, the rest are left to
 * the scan: decoded ahead, they would push the first days out before the scan reads them, and
 * each would be decoded twice.
 */
export async function prefetch(
  pool: ScanPool,
  partitions: readonly PartitionSnapshot[],
  request: PrefetchRequest,
  cache: EngineCache,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!pool.active) return;
  const tasks = coldDays(partitions, request, cache);
  if (tasks.length === 0) return;
  const budget = cache.maxBytes / 2;
  let adopted = 0;
  await pool.decode(tasks, signal, (entries) => {
    for (const [key, value, bytes] of entries) {
      cache.adopt(key, value, bytes);
      adopted += bytes;
    }
    return adopted < budget;
  });
}
