// A bounded LRU of id → canonical id in front of the alias database. Most ids are in no cluster, so
// "resolves to itself" is cached too; those negative entries are what save most lookups.
// A Map keeps insertion order, so re-inserting on a hit makes its first key the least recently used.

export class AliasCache {
  private readonly entries = new Map<string, string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`alias cache capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(projectId: number, id: string): string | undefined {
    const key = cacheKey(projectId, id);
    const canonical = this.entries.get(key);
    if (canonical !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, canonical);
    }
    return canonical;
  }

  set(projectId: number, id: string, canonical: string): void {
    const key = cacheKey(projectId, id);
    this.entries.delete(key);
    this.entries.set(key, canonical);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(projectId: number, id: string): void {
    this.entries.delete(cacheKey(projectId, id));
  }

  clear(): void {
    this.entries.clear();
  }
}

// A project id is a number, so the first ":" ends it and no two (project, id) pairs share a key.
function cacheKey(projectId: number, id: string): string {
  return `${projectId}:${id}`;
}
