// The embedded ProfileStore: one SQLite table in `<dataDir>/profiles.db`, a row per person or group
// profile. Properties and their write times are JSON text in the order they were set. A deleted or
// folded profile keeps its row (not live, no properties) so its $delete time and last queue offset
// still guard against older and replayed updates.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { Pacer } from "../util/pacer.js";
import { openDurableDatabase, openSnapshotReader } from "../util/sqlite.js";
import { type ApplyOutcome, applyUpdate, emptyProfile, type ProfileState } from "./profile-apply.js";
import {
  type JsonValue,
  type ProfileProperties,
  readObject,
  toProperties,
  writeObject,
} from "./profile-json.js";
import { foldProfile } from "./profile-merge.js";
import { decodeSession, type EngageSession, encodeSession } from "./profile-session.js";
import {
  EngageError,
  type EngagePage,
  type EngageQuery,
  type EngageResult,
  type Profile,
  type ProfileBatchItem,
  type ProfileStore,
} from "./profile-store.js";
import type { ProfileTarget, ProfileUpdate } from "./profile-update.js";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS profiles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL,
    group_key TEXT NOT NULL,
    id TEXT NOT NULL,
    live INTEGER NOT NULL,
    properties TEXT NOT NULL,
    times TEXT NOT NULL,
    deleted_at REAL,
    last_offset INTEGER NOT NULL,
    UNIQUE (project_id, group_key, id)
  );
`;

/** group_key of people profiles; a group update with an empty key is refused by the parser. */
const PEOPLE = "";
const MAX_PAGE_SIZE = 1000;
/** Profiles a `where` reads from SQLite at a time: a few milliseconds of parsing. */
const FILTER_CHUNK = 1000;

interface Key {
  readonly projectId: number;
  readonly groupKey: string;
  readonly id: string;
}

interface StateRow {
  live: number;
  properties: string;
  times: string;
  deleted_at: number | null;
  last_offset: number;
}

interface ProfileRow {
  id: string;
  properties: string;
  last_offset: number;
}

interface Touched {
  readonly key: Key;
  state: ProfileState;
  dirty: boolean;
}

export interface SqliteProfileStoreOptions {
  /** File name inside the data directory; default `profiles.db`. */
  readonly fileName?: string;
}

export class SqliteProfileStore implements ProfileStore {
  private readonly db: Database.Database;
  private readonly loadStmt: Database.Statement<[number, string, string], StateRow>;
  private readonly saveStmt: Database.Statement<Record<string, unknown>>;
  private readonly getStmt: Database.Statement<[number, string, string], ProfileRow>;
  private readonly maxSeqStmt: Database.Statement<[], { seq: number }>;
  private readonly statements = new Map<string, Database.Statement<Record<string, unknown>>>();
  private readonly applyTx: Database.Transaction<(items: readonly ProfileBatchItem[]) => ApplyOutcome[]>;
  private readonly foldTx: Database.Transaction<
    (projectId: number, fromId: string, toId: string, atOffset: number) => boolean
  >;

  constructor(dataDir: string, options: SqliteProfileStoreOptions = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.db = openDurableDatabase(join(dataDir, options.fileName ?? "profiles.db"));
    this.db.exec(SCHEMA);
    this.loadStmt = this.db.prepare(
      `SELECT live, properties, times, deleted_at, last_offset FROM profiles
       WHERE project_id = ? AND group_key = ? AND id = ?`,
    );
    this.saveStmt = this.db.prepare(
      `INSERT INTO profiles (project_id, group_key, id, live, properties, times, deleted_at, last_offset)
       VALUES (@projectId, @groupKey, @id, @live, @properties, @times, @deletedAt, @lastOffset)
       ON CONFLICT (project_id, group_key, id) DO UPDATE SET live = excluded.live,
         properties = excluded.properties, times = excluded.times, deleted_at = excluded.deleted_at,
         last_offset = excluded.last_offset`,
    );
    this.getStmt = this.db.prepare(
      `SELECT id, properties, last_offset FROM profiles
       WHERE project_id = ? AND group_key = ? AND id = ? AND live = 1`,
    );
    this.maxSeqStmt = this.db.prepare("SELECT coalesce(max(seq), 0) AS seq FROM profiles");
    this.applyTx = this.db.transaction((items) => this.applyInside(items));
    this.foldTx = this.db.transaction((projectId, fromId, toId, atOffset) =>
      this.foldInside(projectId, fromId, toId, atOffset),
    );
  }

  async apply(projectId: number, update: ProfileUpdate, offset: number): Promise<ApplyOutcome> {
    const [outcome] = await this.applyMany([{ projectId, offset, update }]);
    return outcome!;
  }

  async applyMany(items: readonly ProfileBatchItem[]): Promise<ApplyOutcome[]> {
    for (const item of items) {
      if (!Number.isSafeInteger(item.offset) || item.offset < 0) {
        throw new RangeError(`a queue offset must be a non-negative integer, got ${item.offset}`);
      }
      if ("update" in item && item.update.target.kind === "group" && item.update.target.groupKey === PEOPLE) {
        throw new RangeError("a group update needs a non-empty group key");
      }
    }
    return this.applyTx.immediate(items);
  }

  async mergeProfiles(projectId: number, fromId: string, toId: string, atOffset: number): Promise<boolean> {
    return fromId !== toId && this.foldTx.immediate(projectId, fromId, toId, atOffset);
  }

  async get(projectId: number, distinctId: string): Promise<Profile | undefined> {
    return this.getOne(projectId, PEOPLE, distinctId);
  }

  /** `get` without the promise, for the query engine, which reads profiles while it scans. */
  getNow(projectId: number, distinctId: string): Profile | undefined {
    return this.getOne(projectId, PEOPLE, distinctId);
  }

  async getGroup(projectId: number, groupKey: string, groupId: string): Promise<Profile | undefined> {
    return this.getOne(projectId, groupKey, groupId);
  }

  async query(projectId: number, query: EngageQuery): Promise<EngagePage> {
    const page = query.page ?? 0;
    const pageSize = query.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isSafeInteger(page) || page < 0) throw new EngageError("page", "must be an integer ≥ 0");
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new EngageError("page_size", `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    const groupKey = query.groupKey ?? PEOPLE;
    const session =
      query.sessionId === undefined
        ? { projectId, groupKey, maxSeq: this.maxSeqStmt.get()!.seq }
        : decodeSession(query.sessionId, projectId, groupKey);
    const { rows, total } = await this.readPage(session, query, page * pageSize, pageSize);
    const wanted = query.outputProperties === undefined ? undefined : new Set(query.outputProperties);
    return {
      page,
      page_size: pageSize,
      results: rows.map((row) => toResult(row.id, row.members, wanted)),
      session_id: encodeSession(session),
      status: "ok",
      total,
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private applyInside(items: readonly ProfileBatchItem[]): ApplyOutcome[] {
    const touched = new Map<string, Touched>();
    const touch = (key: Key): Touched => {
      const name = JSON.stringify([key.projectId, key.groupKey, key.id]);
      let profile = touched.get(name);
      if (profile === undefined) {
        profile = { key, state: this.load(key), dirty: false };
        touched.set(name, profile);
      }
      return profile;
    };
    const outcomes = items.map((item): ApplyOutcome => {
      if ("fold" in item) {
        const { fromId, toId } = item.fold;
        const person = (id: string) => touch({ projectId: item.projectId, groupKey: PEOPLE, id });
        return fromId !== toId && foldInto(person(toId), person(fromId), item.offset)
          ? "applied"
          : "replayed";
      }
      const profile = touch(keyOf(item.projectId, item.update.target));
      const outcome = applyUpdate(profile.state, item.update, item.offset);
      if (outcome !== "replayed") profile.dirty = true;
      return outcome;
    });
    for (const profile of touched.values()) if (profile.dirty) this.save(profile.key, profile.state);
    return outcomes;
  }

  private foldInside(projectId: number, fromId: string, toId: string, atOffset: number): boolean {
    const person = (id: string): Touched => {
      const key = { projectId, groupKey: PEOPLE, id };
      return { key, state: this.load(key), dirty: false };
    };
    const [to, from] = [person(toId), person(fromId)];
    const folded = foldInto(to, from, atOffset);
    if (to.dirty) this.save(to.key, to.state);
    if (from.dirty) this.save(from.key, from.state);
    return folded;
  }

  private load(key: Key): ProfileState {
    const row = this.loadStmt.get(key.projectId, key.groupKey, key.id);
    if (row === undefined) return emptyProfile();
    return {
      live: row.live === 1,
      properties: readObject(row.properties),
      times: readObject(row.times) as Map<string, number>,
      deletedAt: row.deleted_at ?? -Infinity,
      lastOffset: row.last_offset,
    };
  }

  private save(key: Key, state: ProfileState): void {
    this.saveStmt.run({
      ...key,
      live: state.live ? 1 : 0,
      properties: writeObject(state.properties),
      times: writeObject(state.times),
      deletedAt: Number.isFinite(state.deletedAt) ? state.deletedAt : null,
      lastOffset: state.lastOffset,
    });
  }

  private getOne(projectId: number, groupKey: string, id: string): Profile | undefined {
    const row = this.getStmt.get(projectId, groupKey, id);
    if (row === undefined) return undefined;
    return {
      id: row.id,
      properties: toProperties(readObject(row.properties)),
      propertiesJson: row.properties,
      lastOffset: row.last_offset,
    };
  }

  /**
   * Without a filter the database counts and pages. A filter is JavaScript (the compiled `where`), so
   * then every profile of the session is read in order, and only the page's are kept.
   */
  private async readPage(session: EngageSession, query: EngageQuery, skip: number, take: number) {
    const params = {
      projectId: session.projectId,
      groupKey: session.groupKey,
      maxSeq: session.maxSeq,
      ids: query.distinctIds === undefined ? undefined : JSON.stringify(query.distinctIds),
      skip,
      take,
    };
    const where = whereOf(params.ids !== undefined);
    const filter = query.filter;
    const rows: { id: string; members: Map<string, JsonValue> }[] = [];
    if (filter === undefined) {
      const { total } = this.statement(`SELECT count(*) AS total ${where}`).get(params) as { total: number };
      const page = this.statement(`SELECT id, properties ${where} ORDER BY id LIMIT @take OFFSET @skip`);
      for (const row of page.iterate(params) as IterableIterator<ProfileRow>) {
        rows.push({ id: row.id, members: readObject(row.properties) });
      }
      return { rows, total };
    }
    // Every profile is parsed and filtered to count the matches, which at a few microseconds a
    // profile is seconds for millions: read in chunks by id, and filtered with the pacer's checks,
    // so the thread keeps serving ingestion and the query's timeout can stop it. The chunks are read
    // in one read transaction on a connection of their own, so that the reply is one snapshot
    // though the processor updates profiles between them.
    const reader = openSnapshotReader(this.db.name);
    try {
      reader.exec("BEGIN");
      return await filteredPage(reader, where, params, filter, new Pacer(query.signal));
    } finally {
      reader.close();
    }
  }

  private statement(sql: string): Database.Statement<Record<string, unknown>> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

interface PageParams {
  readonly skip: number;
  readonly take: number;
  readonly [name: string]: unknown;
}

/** The profiles `filter` keeps, counted, and those of the page: read a chunk at a time by id. */
async function filteredPage(
  db: Database.Database,
  where: string,
  params: PageParams,
  filter: (properties: ProfileProperties) => boolean,
  pacer: Pacer,
): Promise<{ rows: { id: string; members: Map<string, JsonValue> }[]; total: number }> {
  const first = db.prepare(`SELECT id, properties ${where} ORDER BY id LIMIT @chunk`);
  const next = db.prepare(`SELECT id, properties ${where} AND id > @after ORDER BY id LIMIT @chunk`);
  const { skip, take } = params;
  const rows: { id: string; members: Map<string, JsonValue> }[] = [];
  let total = 0;
  let after: string | undefined;
  for (;;) {
    const chunk = (
      after === undefined
        ? first.all({ ...params, chunk: FILTER_CHUNK })
        : next.all({ ...params, after, chunk: FILTER_CHUNK })
    ) as ProfileRow[];
    for (const row of chunk) {
      // One profile's filter may cost milliseconds (expressions.md's budgets): checked per row.
      if (pacer.due) await pacer.pause();
      const members = readObject(row.properties);
      if (!filter(toProperties(members))) continue;
      if (total >= skip && total < skip + take) rows.push({ id: row.id, members });
      total++;
    }
    if (chunk.length < FILTER_CHUNK) return { rows, total };
    after = chunk[chunk.length - 1]!.id;
  }
}

/** The profiles an engage session covers, optionally only some ids; `seq` is the session's bound. */
function whereOf(withIds: boolean): string {
  const ids = withIds ? "AND id IN (SELECT value FROM json_each(@ids))" : "";
  return `FROM profiles WHERE project_id = @projectId AND group_key = @groupKey AND live = 1
    AND seq <= @maxSeq ${ids}`;
}

/**
 * Folds `from` into `to` for the identity event at `atOffset`, in memory. A profile `from` got at a
 * later offset (an update sent with $ignore_alias) is newer than the event: a replay leaves it.
 */
function foldInto(to: Touched, from: Touched, atOffset: number): boolean {
  if (from.state.lastOffset > atOffset) return false;
  if (!from.state.live) {
    // Nothing to fold, but the person takes over the id's updates: replayed after a crash, they
    // resolve to the person now, and must be seen as applied (a $delete would wipe the person).
    if (from.state.lastOffset > to.state.lastOffset) {
      to.state.lastOffset = from.state.lastOffset;
      to.dirty = true;
    }
    return false;
  }
  to.state = foldProfile(to.state, from.state);
  from.state = { ...emptyProfile(), deletedAt: from.state.deletedAt, lastOffset: from.state.lastOffset };
  to.dirty = true;
  from.dirty = true;
  return true;
}

function keyOf(projectId: number, target: ProfileTarget): Key {
  return target.kind === "person"
    ? { projectId, groupKey: PEOPLE, id: target.distinctId }
    : { projectId, groupKey: target.groupKey, id: target.groupId };
}

function toResult(
  id: string,
  members: Map<string, JsonValue>,
  wanted: Set<string> | undefined,
): EngageResult {
  if (wanted !== undefined) {
    for (const name of [...members.keys()]) if (!wanted.has(name)) members.delete(name);
  }
  return { $distinct_id: id, $properties: toProperties(members) };
}
