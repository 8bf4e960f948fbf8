// What the engine keeps between queries of one project: decoded columns of sealed segments and
// what is derived from them alone (dedup marks, user numbers under one alias map), in one LRU
// bounded by bytes. Sealed segments never change, so an entry keyed by a segment is never stale;
// write-buffer snapshots change with every append and are cached only on the snapshot object itself.

import { ByteLru } from "./byte-lru.js";
import { UserNumbering } from "./user-numbering.js";

export interface EngineCacheOptions {
  /** Bound on the bytes of cached columns and derived tables. Default 1 GiB. */
  readonly maxBytes?: number;
}

export interface EngineCacheStats {
  /** Entries loaded from a segment (or derived) because the cache did not hold them. */
  decodes: number;
  hits: number;
}

export class EngineCache {
  private readonly lru: ByteLru<unknown>;
  readonly stats: EngineCacheStats = { decodes: 0, hits: 0 };
  private readonly aliasSerials = new WeakMap<ReadonlyMap<string, string>, number>();
  private readonly numberings = new WeakMap<ReadonlyMap<string, string>, UserNumbering>();
  private readonly perObject = new WeakMap<object, Map<string, unknown>>();
  private nextSerial = 1;

  constructor(options: EngineCacheOptions = {}) {
    this.lru = new ByteLru(options.maxBytes ?? 1024 * 1024 * 1024);
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

  /** A number naming this alias map in cache keys; the same map object always gets the same one. */
  aliasSerial(aliases: ReadonlyMap<string, string>): number {
    let serial = this.aliasSerials.get(aliases);
    if (serial === undefined) {
      serial = this.nextSerial++;
      this.aliasSerials.set(aliases, serial);
    }
    return serial;
  }

  /** The user numbering made under this alias map. */
  numbering(aliases: ReadonlyMap<string, string>): UserNumbering {
    let numbering = this.numberings.get(aliases);
    if (numbering === undefined) {
      numbering = new UserNumbering();
      this.numberings.set(aliases, numbering);
    }
    return numbering;
  }

  clear(): void {
    this.lru.clear();
  }
}
