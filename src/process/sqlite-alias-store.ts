// The embedded AliasStore: one SQLite table of (project, id) → canonical id in `<dataDir>/identity.db`.
//
// Every member of a cluster, its canonical id included, has a row pointing at the canonical id, so a
// read is one index lookup however long the chain of aliases that built the cluster. Writes run in
// BEGIN IMMEDIATE transactions (one writer at a time, across processes too) and the UNIQUE key on
// (project_id, id) is the last word, so two aliases racing for one id leave exactly one winner.
//
// Rows are never deleted, so `seq` only grows: the seq of a canonical id's own row says when its
// cluster was formed, which is how `merge` picks the older cluster.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { openDurableDatabase } from "../util/sqlite.js";
import { isAnonymousId } from "./alias-anonymous-id.js";
import { AliasCache } from "./alias-cache.js";
import {
  type AliasStore,
  type IdentityRefusal,
  type IdentityRequest,
  type IdentityResult,
  MAX_CLUSTER_IDS,
} from "./alias-store.js";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS identity (
    seq INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL,
    id TEXT NOT NULL,
    canonical TEXT NOT NULL,
    UNIQUE (project_id, id)
  );
  CREATE INDEX IF NOT EXISTS identity_cluster ON identity (project_id, canonical);
`;

export interface SqliteAliasStoreOptions {
  /** Entries in the LRU in front of the database; default 100,000. */
  readonly cacheSize?: number;
  /** File name inside the data directory; default `identity.db`. */
  readonly fileName?: string;
  /** Called with the text of every SQL statement run: lets tests count round trips. */
  readonly onStatement?: (sql: string) => void;
}

/** Counters for metrics: how often the cache saved a lookup. */
export interface AliasStoreStats {
  lookupQueries: number;
  cacheHits: number;
  cacheMisses: number;
}

interface Cluster {
  readonly canonical: string;
  /** seq of the canonical id's own row: smaller is older. */
  readonly since: number;
}

export class SqliteAliasStore implements AliasStore {
  readonly stats: AliasStoreStats = { lookupQueries: 0, cacheHits: 0, cacheMisses: 0 };
  private readonly db: Database.Database;
  private readonly cache: AliasCache;
  private dataVersion = -1;
  private readonly lookupStmt: Database.Statement<[number, string], { id: string; canonical: string }>;
  private readonly clusterStmt: Database.Statement<[number, string], Cluster>;
  private readonly insertStmt: Database.Statement<[number, string, string]>;
  private readonly moveStmt: Database.Statement<[string, number, string], { id: string }>;
  private readonly sizeStmt: Database.Statement<[number, string], { n: number }>;
  private readonly membersStmt: Database.Statement<{ project: number; id: string }, { id: string }>;
  private readonly snapshotStmt: Database.Statement<[number], { id: string; canonical: string }>;
  private readonly applyTx: Database.Transaction<
    (projectId: number, requests: readonly IdentityRequest[]) => IdentityResult[]
  >;

  constructor(dataDir: string, options: SqliteAliasStoreOptions = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.db = openDurableDatabase(join(dataDir, options.fileName ?? "identity.db"), {
      verbose: options.onStatement === undefined ? undefined : (sql) => options.onStatement?.(String(sql)),
    });
    this.db.exec(SCHEMA);
    this.cache = new AliasCache(options.cacheSize ?? 100_000);
    // json_each turns one bound JSON array into a table: one statement for any number of ids.
    this.lookupStmt = this.db.prepare(
      "SELECT id, canonical FROM identity WHERE project_id = ? AND id IN (SELECT value FROM json_each(?))",
    );
    this.clusterStmt = this.db.prepare(
      `SELECT i.canonical AS canonical, c.seq AS since FROM identity i
       JOIN identity c ON c.project_id = i.project_id AND c.id = i.canonical
       WHERE i.project_id = ? AND i.id = ?`,
    );
    this.insertStmt = this.db.prepare(
      "INSERT INTO identity (project_id, id, canonical) VALUES (?, ?, ?) ON CONFLICT (project_id, id) DO NOTHING",
    );
    this.moveStmt = this.db.prepare(
      "UPDATE identity SET canonical = ? WHERE project_id = ? AND canonical = ? RETURNING id",
    );
    this.sizeStmt = this.db.prepare(
      "SELECT count(*) AS n FROM identity WHERE project_id = ? AND canonical = ?",
    );
    this.membersStmt = this.db.prepare(
      `SELECT id FROM identity WHERE project_id = @project AND canonical =
         coalesce((SELECT canonical FROM identity WHERE project_id = @project AND id = @id), @id)
       ORDER BY id = canonical DESC, seq`,
    );
    this.snapshotStmt = this.db.prepare(
      "SELECT id, canonical FROM identity WHERE project_id = ? AND id <> canonical",
    );
    this.applyTx = this.db.transaction((projectId, requests) =>
      requests.map((r) => this.requestInside(projectId, r)),
    );
  }

  async resolveMany(projectId: number, ids: readonly string[]): Promise<Map<string, string>> {
    this.forgetIfOthersWrote();
    const resolved = new Map<string, string>();
    const missing: string[] = [];
    for (const id of ids) {
      if (resolved.has(id)) continue;
      if (isAnonymousId(id)) {
        resolved.set(id, id);
        continue;
      }
      const cached = this.cache.get(projectId, id);
      resolved.set(id, cached ?? id);
      if (cached === undefined) missing.push(id);
      else this.stats.cacheHits++;
    }
    this.stats.cacheMisses += missing.length;
    if (missing.length === 0) return resolved;
    this.stats.lookupQueries++;
    for (const row of this.lookupStmt.iterate(projectId, JSON.stringify(missing))) {
      resolved.set(row.id, row.canonical);
    }
    for (const id of missing) this.cache.set(projectId, id, resolved.get(id)!);
    return resolved;
  }

  async createAlias(projectId: number, alias: string, distinctId: string): Promise<IdentityResult> {
    return this.applyOne(projectId, { kind: "alias", alias, distinctId });
  }

  async identify(projectId: number, identifiedId: string, anonId: string): Promise<IdentityResult> {
    return this.applyOne(projectId, { kind: "identify", identifiedId, anonId });
  }

  async merge(projectId: number, a: string, b: string): Promise<IdentityResult> {
    return this.applyOne(projectId, { kind: "merge", a, b });
  }

  async applyAll(projectId: number, requests: readonly IdentityRequest[]): Promise<IdentityResult[]> {
    if (requests.length === 0) return [];
    // One BEGIN IMMEDIATE … COMMIT, so one sync of the database's log, for the whole batch.
    const results = this.applyTx.immediate(projectId, requests);
    // The ids a link moved are exactly those whose cached canonical id it made stale.
    for (const r of results) if (r.ok) for (const id of r.moved) this.cache.delete(projectId, id);
    return results;
  }

  private async applyOne(projectId: number, request: IdentityRequest): Promise<IdentityResult> {
    const [result] = await this.applyAll(projectId, [request]);
    return result;
  }

  async membersOf(projectId: number, id: string): Promise<string[]> {
    const members = this.membersStmt.all({ project: projectId, id }).map((row) => row.id);
    return members.length === 0 ? [id] : members;
  }

  async snapshot(projectId: number): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    for (const row of this.snapshotStmt.iterate(projectId)) map.set(row.id, row.canonical);
    return map;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** One request, inside the batch's transaction. */
  private requestInside(projectId: number, r: IdentityRequest): IdentityResult {
    if (r.kind === "alias") return this.link(projectId, r.alias, r.distinctId, "alias-taken");
    if (r.kind === "identify") return this.link(projectId, r.anonId, r.identifiedId, "anon-id-taken");
    const refusal = refuseAnonymous(r.a, r.b);
    if (refusal !== undefined) return refusal;
    if (r.a === r.b) return this.unchanged(projectId, r.a);
    return this.mergeInside(projectId, r.a, r.b);
  }

  /** Puts `member` into `target`'s cluster, unless it already belongs to another one. */
  private link(projectId: number, member: string, target: string, taken: IdentityRefusal): IdentityResult {
    const refusal = refuseAnonymous(member, target);
    if (refusal !== undefined) return refusal;
    if (member === target) return this.unchanged(projectId, target);
    return this.linkInside(projectId, member, target, taken);
  }

  private linkInside(
    projectId: number,
    member: string,
    target: string,
    taken: IdentityRefusal,
  ): IdentityResult {
    const canonical = this.clusterOf(projectId, target)?.canonical ?? target;
    const current = this.clusterOf(projectId, member)?.canonical;
    if (current === canonical) return linked(canonical, [member, target], []);
    if (current !== undefined) return refusedAsTaken(taken, member, current);
    if (this.sizeOf(projectId, canonical) + 1 > MAX_CLUSTER_IDS) return refusedAsFull(canonical, member);
    if (canonical === target) this.insertStmt.run(projectId, target, target);
    // Inside an immediate transaction nobody else can have inserted `member` since the read above;
    // the UNIQUE key still decides if that ever stops being true.
    if (this.insertStmt.run(projectId, member, canonical).changes === 0) {
      return refusedAsTaken(taken, member, undefined);
    }
    return linked(canonical, [member, target], [member]);
  }

  private mergeInside(projectId: number, a: string, b: string): IdentityResult {
    const clusterA = this.clusterOf(projectId, a);
    const clusterB = this.clusterOf(projectId, b);
    const canonicalA = clusterA?.canonical ?? a;
    const canonicalB = clusterB?.canonical ?? b;
    if (canonicalA === canonicalB) return linked(canonicalA, [a, b], []);
    if (this.sizeOf(projectId, canonicalA) + this.sizeOf(projectId, canonicalB) > MAX_CLUSTER_IDS) {
      return refusedAsFull(canonicalA, canonicalB);
    }
    const aWins = clusterB === undefined || (clusterA !== undefined && clusterA.since < clusterB.since);
    const [winner, loser, winnerCluster, loserCluster] = aWins
      ? [canonicalA, canonicalB, clusterA, clusterB]
      : [canonicalB, canonicalA, clusterB, clusterA];
    if (winnerCluster === undefined) this.insertStmt.run(projectId, winner, winner);
    let moved: string[] = [loser];
    if (loserCluster === undefined) this.insertStmt.run(projectId, loser, winner);
    else moved = this.moveStmt.all(winner, projectId, loser).map((row) => row.id);
    return linked(winner, [a, b, loser], moved);
  }

  /** How many ids the user `canonical` has: 1 for an id in no cluster. */
  private sizeOf(projectId: number, canonical: string): number {
    return Math.max(1, this.sizeStmt.get(projectId, canonical)!.n);
  }

  private clusterOf(projectId: number, id: string): Cluster | undefined {
    return this.clusterStmt.get(projectId, id);
  }

  private unchanged(projectId: number, id: string): IdentityResult {
    return linked(this.clusterOf(projectId, id)?.canonical ?? id, [id], []);
  }

  /**
   * Another connection (another process on the same file) may have moved ids between clusters:
   * SQLite's data_version, a counter in shared memory, changes when one commits. Then the whole
   * cache goes, since which entries are stale is unknown here.
   */
  private forgetIfOthersWrote(): void {
    const version = this.db.pragma("data_version", { simple: true }) as number;
    if (version !== this.dataVersion) {
      this.cache.clear();
      this.dataVersion = version;
    }
  }
}

/** A link done or already in place: it changed the map exactly when it moved some id. */
function linked(canonicalId: string, named: readonly string[], moved: readonly string[]): IdentityResult {
  const absorbedIds = [...new Set(named)].filter((id) => id !== canonicalId);
  return { ok: true, canonicalId, changed: moved.length > 0, absorbedIds, moved };
}

function refuseAnonymous(...ids: string[]): IdentityResult | undefined {
  const anonymous = ids.find(isAnonymousId);
  if (anonymous === undefined) return undefined;
  return {
    ok: false,
    reason: "anonymous-id",
    message: `"${anonymous}" means no user and is never linked to another id`,
  };
}

function refusedAsFull(canonical: string, joining: string): IdentityResult {
  return {
    ok: false,
    reason: "cluster-full",
    message: `linking "${joining}" would give user "${canonical}" more than ${MAX_CLUSTER_IDS} ids`,
  };
}

function refusedAsTaken(reason: IdentityRefusal, id: string, owner: string | undefined): IdentityResult {
  const what = reason === "anon-id-taken" ? "anonymous id" : "alias";
  const whom = owner === undefined ? "another user" : `"${owner}"`;
  return { ok: false, reason, message: `${what} "${id}" already belongs to ${whom}` };
}
