// Identity: which distinct ids are one person. The processor resolves every event's distinct id
// through this map and applies `$create_alias`, `$identify` and `$merge` to it (spec/ingestion.md,
// Identity). Embedded: SQLite (sqlite-alias-store.ts); at scale a network database, hence async.
//
// Model: ids form clusters; every member of a cluster maps straight to the cluster's canonical id
// (flattened on write, so a chain of aliases is one lookup on read). An id in no cluster resolves to
// itself.

/** A link or merge that was done, or was already in place (a replayed batch gets `changed: false`). */
export interface IdentityLinked {
  readonly ok: true;
  /** The canonical id every id named in the request now resolves to. */
  readonly canonicalId: string;
  readonly changed: boolean;
  /**
   * Ids named in the request, and any former canonical id the request absorbed, other than
   * `canonicalId`: a profile kept under one of them belongs to `canonicalId` now
   * (`ProfileStore.mergeProfiles`). Reported on replays too, so the fold can be redone idempotently.
   */
  readonly absorbedIds: readonly string[];
  /** Ids this request moved to `canonicalId` (none on a replay): how the batch's later records resolve. */
  readonly moved: readonly string[];
}

export type IdentityRefusal =
  /** One of the ids means "no user" (isAnonymousId). */
  | "anonymous-id"
  /** `$create_alias`: the alias already belongs to another cluster. */
  | "alias-taken"
  /** `$identify`: the anonymous id already belongs to another identified user. */
  | "anon-id-taken"
  /** The link would give one user more than MAX_CLUSTER_IDS ids. */
  | "cluster-full";

/**
 * The most ids one user may have, Mixpanel's figure: past it a shared device or a buggy integration
 * would fold ever more people into one, and every id of a cluster moves when two clusters merge.
 */
export const MAX_CLUSTER_IDS = 500;

/** A request the identity rules refuse; the record is dropped, nothing changes. */
export interface IdentityRefused {
  readonly ok: false;
  readonly reason: IdentityRefusal;
  /** Says which id and why, for logs and `/import` failure reports. */
  readonly message: string;
}

export type IdentityResult = IdentityLinked | IdentityRefused;

/** One identity event as the alias map takes it (identity-events.ts makes these). */
export type IdentityRequest =
  | { readonly kind: "alias"; readonly alias: string; readonly distinctId: string }
  | { readonly kind: "identify"; readonly identifiedId: string; readonly anonId: string }
  | { readonly kind: "merge"; readonly a: string; readonly b: string };

export interface AliasStore {
  /**
   * The canonical id of each given id (an id in no cluster maps to itself). One round trip to the
   * database for all the ids not in the cache, however many there are.
   */
  resolveMany(projectId: number, ids: readonly string[]): Promise<Map<string, string>>;

  /**
   * `$create_alias`: `alias` resolves to `distinctId`'s canonical id from now on. Refused when the
   * alias already belongs to a different cluster; aliasing an id to itself, or repeating a link that
   * is in place, changes nothing.
   */
  createAlias(projectId: number, alias: string, distinctId: string): Promise<IdentityResult>;

  /**
   * `$identify`: links `anonId` to `identifiedId`'s cluster. Like Mixpanel's original ID merge, an
   * anonymous id that already belongs to another cluster is not re-linked (refused).
   */
  identify(projectId: number, identifiedId: string, anonId: string): Promise<IdentityResult>;

  /**
   * `$merge`: joins the clusters of `a` and `b`. The canonical id of the cluster that was formed
   * first survives; when only one id is in a cluster, that cluster's; when neither is, `a`.
   */
  merge(projectId: number, a: string, b: string): Promise<IdentityResult>;

  /**
   * A batch's identity events of one project, in order, as createAlias, identify and merge would
   * apply them one by one, but in one transaction (one commit) where the store has them: all
   * applied, or none. One result per request.
   */
  applyAll(projectId: number, requests: readonly IdentityRequest[]): Promise<IdentityResult[]>;

  /** Every id of `id`'s cluster, canonical id first; `[id]` when it is in no cluster. */
  membersOf(projectId: number, id: string): Promise<string[]>;

  /** Every id that resolves to another id, with its canonical id: the alias map for query time. */
  snapshot(projectId: number): Promise<Map<string, string>>;

  close(): Promise<void>;
}
