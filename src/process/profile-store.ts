// People profiles and group profiles: what `/engage` and `/groups` updates build and the `engage`
// query endpoint reads (spec/ingestion.md, "Profiles and groups"; spec/query-api.md, `engage`).
// Embedded: SQLite (profile-sqlite-store.ts); at scale a network database, hence async.
//
// Updates arrive with the distinct id already resolved through the AliasStore (unless
// `$ignore_alias`), and with the queue offset of their record, which makes replays harmless.

import type { ApplyOutcome } from "./profile-apply.js";
import type { ProfileProperties } from "./profile-json.js";
import type { ProfileUpdate } from "./profile-update.js";

/** One step of a batch: a profile update, or the fold an identity event makes (see mergeProfiles). */
export type ProfileBatchItem = ProfileUpdateItem | ProfileFoldItem;

export interface ProfileUpdateItem {
  readonly projectId: number;
  /** Position of the record in the queue: unique per record, rising in queue order. */
  readonly offset: number;
  readonly update: ProfileUpdate;
}

export interface ProfileFoldItem {
  readonly projectId: number;
  /** The identity event's position in the queue. */
  readonly offset: number;
  readonly fold: { readonly fromId: string; readonly toId: string };
}

export interface Profile {
  /** The distinct id, or the group id of a group profile. */
  readonly id: string;
  /**
   * Null-prototype object: every name is data. As in any JS object, integer-like names ("2") come
   * first here; `propertiesJson` has the names in the order they were set.
   */
  readonly properties: ProfileProperties;
  readonly propertiesJson: string;
  /** Queue offset of the last update applied to it. */
  readonly lastOffset: number;
}

export interface EngageQuery {
  /** Only these (resolved) distinct ids, or group ids. */
  readonly distinctIds?: readonly string[];
  /** Group profiles of this group key instead of people. */
  readonly groupKey?: string;
  /** From 0; default 0. */
  readonly page?: number;
  /** 1 to 1,000; default 1,000. */
  readonly pageSize?: number;
  /** From an earlier page's reply: later pages then see the profiles that existed then. */
  readonly sessionId?: string;
  /** The compiled `where`; profiles it refuses are neither returned nor counted. */
  readonly filter?: (properties: ProfileProperties) => boolean;
  /** Only these properties in each result. */
  readonly outputProperties?: readonly string[];
  /** Stops a filtered read between chunks of profiles (the query's timeout, a client gone). */
  readonly signal?: AbortSignal;
}

export interface EngageResult {
  readonly $distinct_id: string;
  readonly $properties: ProfileProperties;
}

/** Shaped as the `engage` reply, so it can be sent as it is. */
export interface EngagePage {
  readonly page: number;
  readonly page_size: number;
  readonly results: EngageResult[];
  readonly session_id: string;
  readonly status: "ok";
  readonly total: number;
}

/** A query parameter the store cannot use; `field` names it as the API spells it. */
export class EngageError extends Error {
  constructor(
    readonly field: string,
    /** What is wrong, without the field's name. */
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export interface ProfileStore {
  apply(projectId: number, update: ProfileUpdate, offset: number): Promise<ApplyOutcome>;

  /**
   * All of a batch in one transaction, in order: all applied, or (on a crash) none. One outcome per
   * item; a fold is "applied" when there was a profile to fold, else "replayed".
   */
  applyMany(items: readonly ProfileBatchItem[]): Promise<ApplyOutcome[]>;

  /**
   * Folds person `fromId`'s profile into `toId`'s (see profile-merge.ts for the rule) and removes
   * it, for the identity event at queue offset `atOffset`. True if there was a profile to fold.
   * Calling it again is a no-op, so a replay may repeat it: a profile `fromId` got at a later offset
   * (an update sent with `$ignore_alias`) is newer than the event and is left alone.
   */
  mergeProfiles(projectId: number, fromId: string, toId: string, atOffset: number): Promise<boolean>;

  get(projectId: number, distinctId: string): Promise<Profile | undefined>;

  getGroup(projectId: number, groupKey: string, groupId: string): Promise<Profile | undefined>;

  /** Ordered by distinct id. Throws EngageError for a bad page, page size or session id. */
  query(projectId: number, query: EngageQuery): Promise<EngagePage>;

  close(): Promise<void>;
}
