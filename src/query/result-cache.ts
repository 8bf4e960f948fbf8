// Query results kept between queries. A key names everything a reply depends on — the project,
// the endpoint, its parameters, and the version of the data it read (each day's high-water queue
// offset and a fingerprint of the alias map) — so a cached reply can never be older than what the
// store holds: an event appended to any day of the range changes the key. In process by default;
// memcached implements the same interface when several query nodes share one cache.

import { createHash } from "node:crypto";

export interface ResultCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}

interface Entry {
  readonly value: string;
  readonly expires: number;
}

/**
 * What an entry is charged: its key and value (UTF-16) and the Map entry and object around them
 * (measured at ~210 bytes for a small entry), so a million tiny replies cannot hold four times the
 * bound.
 */
function entryBytes(key: string, value: string): number {
  return (key.length + value.length) * 2 + 160;
}

/** An LRU bounded by the bytes of its entries. */
export class InProcessResultCache implements ResultCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;

  constructor(
    readonly maxBytes = 64 * 1024 * 1024,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expires <= this.now()) {
      this.held -= entryBytes(key, entry.value);
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    const bytes = entryBytes(key, value);
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.held -= entryBytes(key, old.value);
    }
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, expires: this.now() + ttlSeconds * 1000 });
    this.held += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.held -= entryBytes(oldest, entry.value);
    }
  }

  get bytes(): number {
    return this.held;
  }
}

/** Fingerprints of the alias maps in use: a snapshot is immutable and shared until identity changes. */
const fingerprints = new WeakMap<ReadonlyMap<string, string>, string>();

export function aliasFingerprint(aliases: ReadonlyMap<string, string>): string {
  let fingerprint = fingerprints.get(aliases);
  if (fingerprint !== undefined) return fingerprint;
  const hash = createHash("sha256");
  for (const entry of [...aliases].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    hash.update(entry[0]).update("\u0000").update(entry[1]).update("\u0001");
  }
  fingerprint = hash.digest("base64url").slice(0, 22);
  fingerprints.set(aliases, fingerprint);
  return fingerprint;
}

export interface ResultKeyParts {
  readonly projectId: number;
  readonly endpoint: string;
  readonly params: URLSearchParams;
  /** What the store holds for the days read, e.g. each day's high-water offset. */
  readonly dataVersion: string;
  readonly aliasVersion: string;
}

/** The cache key: parameters sorted so that their order in the URL does not matter. */
export function resultKey(parts: ResultKeyParts): string {
  const params = [...parts.params]
    .filter(([k]) => k !== "project_id")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256")
    .update(JSON.stringify([parts.projectId, parts.endpoint, params, parts.dataVersion, parts.aliasVersion]))
    .digest("base64url");
  return `tally:q:${hash}`;
}
