// What the engine keeps between queries of one project: decoded columns of sealed segments and
// what is derived from them alone (dead rows, event indexes, user numbers under one alias map), in
// one LRU bounded by bytes. Sealed segments never change, so an entry keyed by a segment is never
// stale; write-buffer snapshots change with every append and are cached only on the snapshot
// object itself. Everything the cache keeps alive is in the LRU and charged there, the user
// numbering included, so the bound is a bound on memory.

import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import { ByteLru } from "./byte-lru.js";
import { UserNumbering } from "./user-numbering.js";

export interface EngineCacheOptions {
  /** Bound on the bytes of cached columns and derived tables. Default: `defaultCacheBytes()`. */
  readonly maxBytes?: number;
}

export interface EngineCacheStats {
  /** Entries loaded from a segment (or derived) because the cache did not hold them. */
  decodes: number;
  hits: number;
}

/** The user numbering a query works under, and the serial that names it in cache keys. */
export interface Identity {
  readonly serial: number;
  readonly numbering: UserNumbering;
}

const MIB = 2 ** 20;

/**
 * An eighth of the machine's memory — the rest is for ingestion, the write buffers, SQLite, the
 * page cache that serves the segment files, and the query's own working arrays — but no more than
 * half of V8's heap limit, as dictionaries are strings on that heap and a cold query needs room to
 * decode; at least 256 MiB. On the 2-core, 24 GiB machines Tally is measured on: 2 GiB (half of a
 * 4 GiB heap), five times the 400 MiB a query over 10 million events keeps.
 */
export function defaultCacheBytes(): number {
  const share = totalmem() / 8;
  const heapHalf = getHeapStatistics().heap_size_limit / 2;
  return Math.max(256 * MIB, Math.floor(Math.min(share, heapHalf) / MIB) * MIB);
}

function numberingKey(serial: number): string {
  return `\u0002numbering\u0000${serial}`;
}

export class EngineCache {
  private readonly lru: ByteLru<unknown>;
  readonly stats: EngineCacheStats = { decodes: 0, hits: 0 };
  /** Per alias map, the serial of its numbering while the LRU holds it. */
  private readonly serials = new WeakMap<ReadonlyMap<string, string>, number>();
  private readonly perObject = new WeakMap<object, Map<string, unknown>>();
  private nextSerial = 1;

  constructor(options: EngineCacheOptions = {}) {
    this.lru = new ByteLru(options.maxBytes ?? defaultCacheBytes());
  }

  get maxBytes(): number {
    return this.lru.maxBytes;
  }

  get bytes(): number {
    return this.lru.bytes;
  }

  /** The value under `key`, loading (and keeping) it on a miss. */
  cached<V>(key: string, load: () => V, bytesOf: (value: V) => number): V {
    const hit = this.lru.get(key) as V | undefined;
    if (hit !== undefined) {
      this.stats.hits++;
      return hit;
    }
    this.stats.decodes++;
    const value = load();
    this.lru.set(key, value, bytesOf(value));
    return value;
  }

  /**
   * Keeps a value loaded elsewhere (a scan worker decoded it), as `cached` would have on a miss;
   * a value the cache already holds stays.
   */
  adopt(key: string, value: unknown, bytes: number): void {
    if (this.lru.peek(key) !== undefined) return;
    this.stats.decodes++;
    this.lru.set(key, value, bytes);
  }

  /** The value under `key` if the cache holds it; neither loads nor counts. */
  peek<V>(key: string): V | undefined {
    return this.lru.peek(key) as V | undefined;
  }

  /** Like `cached`, for an object that changes identity when its content changes (a buffer snapshot). */
  cachedOn<V>(owner: object, key: string, load: () => V): V {
    let entries = this.perObject.get(owner);
    if (entries === undefined) {
      entries = new Map();
      this.perObject.set(owner, entries);
    }
    if (entries.has(key)) return entries.get(key) as V;
    const value = load();
    entries.set(key, value);
    return value;
  }

  /**
   * The numbering of users under this alias map: the one kept for the same map object, or a new
   * one (with a new serial) when there is none or the LRU let it go. A query takes it once and
   * keeps it, so an eviction never changes numbers under a running query.
   */
  identity(aliases: ReadonlyMap<string, string>): Identity {
    const serial = this.serials.get(aliases);
    if (serial !== undefined) {
      const numbering = this.lru.get(numberingKey(serial)) as UserNumbering | undefined;
      if (numbering !== undefined) return { serial, numbering };
    }
    const fresh = { serial: this.nextSerial++, numbering: new UserNumbering() };
    this.serials.set(aliases, fresh.serial);
    this.lru.set(numberingKey(fresh.serial), fresh.numbering, fresh.numbering.bytes);
    return fresh;
  }

  /** Charges what a numbering has grown by to the bound, if the LRU still holds it. */
  charge(identity: Identity): void {
    const key = numberingKey(identity.serial);
    if (this.lru.peek(key) === identity.numbering)
      this.lru.set(key, identity.numbering, identity.numbering.bytes);
  }

  clear(): void {
    this.lru.clear();
  }
}
