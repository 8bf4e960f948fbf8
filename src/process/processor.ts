// The processor: takes batches off the queue, resolves identity, applies profile updates and hands
// events to the store, then commits its queue offset. Every step is idempotent per queue offset, so
// a batch replayed after a crash changes nothing that was already done.

import type { ProjectDirectory } from "../projects/project.js";
import { batches } from "../queue/batches.js";
import type { Queue, QueueConsumer, QueueRecord } from "../queue/queue.js";
import type { Logger } from "../server/log.js";
import type { EventStore } from "../store/event-store.js";
import type { AliasStore, IdentityLinked } from "./alias-store.js";
import { type BatchRun, DecodedBatch, type QueuedUpdate, type SkipReason } from "./decoded-batch.js";
import { identityRequest } from "./identity-events.js";
import type { ProfileBatchItem, ProfileStore } from "./profile-store.js";
import { parseProfileUpdate } from "./profile-update.js";
import type { EventToStore } from "./stored-event-from-envelope.js";

export interface ProcessorDeps {
  /** Only its consumer is used: the queue may be owned by another thread (queue/shared-consumer.ts). */
  readonly queue: Pick<Queue, "consumer">;
  readonly store: EventStore;
  readonly aliases: AliasStore;
  readonly profiles: ProfileStore;
  readonly projects: ProjectDirectory;
  readonly log: Logger;
  /** Records per batch taken off the queue. Default BATCH_LIMITS.maxRecords. */
  readonly batchRecords?: number;
  /** Bytes per batch taken off the queue (about). Default BATCH_LIMITS.maxBytes. */
  readonly batchBytes?: number;
  /** Pause after a partial batch before reading the next (queue/batches.ts). Default BATCH_LIMITS.lingerMs. */
  readonly lingerMs?: number;
  /** Counts what happened to records that were not stored as asked. */
  readonly onSkip?: (reason: string, count: number) => void;
  /** Told when an identity event linked ids, so query-time alias maps can be refreshed. */
  readonly onIdentityChange?: (projectId: number) => void;
}

type Resolved = ReadonlyMap<number, ReadonlyMap<string, string>>;

/** A link an identity event made, and where: the project, and the event's queue offset. */
interface IdentityMove {
  readonly projectId: number;
  readonly offset: number;
  readonly result: IdentityLinked;
}

interface PreparedBatch {
  /** Resolved to the person each belonged to when it came. */
  readonly events: readonly EventToStore[];
}

/**
 * How much one queue read takes. A batch shares one write-ahead fsync and one offset commit among
 * its events; past a few thousand records the benchmark shows no clear gain (2,000 to 20,000 were
 * within its noise), and 10,000 (about 7 MB of the benchmark's events) keeps two batches in memory
 * small. Under a steady stream the processor lingers 100 ms after a partial batch, so a /track
 * flood arrives in ten batches a second instead of hundreds (each with its fsyncs and offset
 * commit), and an event is still in the store well within the second the spec allows.
 */
export const BATCH_LIMITS = { maxRecords: 10_000, maxBytes: 8 << 20, lingerMs: 100 } as const;

const CONSUMER = "processor";
const RETRY_MS = [100, 500, 2000, 5000];

/**
 * Offsets are committed at most this often, and on stop: a commit costs a file write and two
 * fsyncs, and committing later is safe because a replayed batch changes nothing the store, the
 * alias map or the profiles already hold; it only makes the replay after a crash longer.
 */
export const COMMIT_INTERVAL_MS = 100;

export class Processor {
  private consumer: QueueConsumer | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  /** Queue offset below which everything is in the store. */
  processedThrough = 0;
  /** The offset last committed, and when (ms). */
  private committedThrough = 0;
  private lastCommitAt = 0;
  /** Commits run one after another; a failed one does not stop the next. */
  private commits: Promise<void> = Promise.resolve();
  private commitTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ProcessorDeps) {}

  async start(): Promise<void> {
    this.consumer = await this.deps.queue.consumer(CONSUMER);
    this.processedThrough = this.consumer.committed;
    this.committedThrough = this.consumer.committed;
    this.running = this.loop(this.consumer);
  }

  /** Stops reading, waits for the batch being stored, commits what the store holds. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    const consumer = this.consumer;
    if (consumer === undefined) return;
    await this.commitStored(consumer).catch((error: unknown) => {
      this.deps.log.error("processor: offset commit on stop failed", { error: String(error) });
    });
    await consumer.close();
  }

  /**
   * Two batches in flight: while one is written to the store and its offset committed (disk waits),
   * the next is read, decoded and has its identity and profile work done (CPU). The store takes
   * batches in queue order, and an offset is committed only once its batch is stored.
   */
  private async loop(consumer: QueueConsumer): Promise<void> {
    const limits = {
      maxRecords: this.deps.batchRecords ?? BATCH_LIMITS.maxRecords,
      maxBytes: this.deps.batchBytes ?? BATCH_LIMITS.maxBytes,
      lingerMs: this.deps.lingerMs ?? BATCH_LIMITS.lingerMs,
    };
    let failures = 0;
    while (!this.abort.signal.aborted) {
      let storing: Promise<void> = Promise.resolve();
      try {
        for await (const records of batches(consumer, limits, this.abort.signal)) {
          const batch = await this.prepare(records);
          await storing;
          failures = 0;
          storing = this.storeAndCommit(consumer, batch, records[records.length - 1].offset + 1);
          // Awaited on the next turn or below; until then a failure must not count as unhandled.
          storing.catch(() => undefined);
        }
        await storing;
        return;
      } catch (error) {
        await storing.catch(() => undefined);
        if (this.abort.signal.aborted) return;
        // A failing store or database must not lose the batch: go back to the last commit and retry.
        const wait = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)];
        this.deps.log.error("processor: batch failed, retrying", { error: String(error), retryInMs: wait });
        consumer.rewind();
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /**
   * Everything a batch needs but the store: decoding, identity events, alias lookups, profile
   * updates. Safe to run again with the same records (each step is idempotent per queue offset).
   */
  private async prepare(records: readonly QueueRecord[]): Promise<PreparedBatch> {
    const batch = new DecodedBatch(this.deps.projects, this.skipRecord);
    for (const r of records) batch.add(r);
    // Every id as it resolved before the batch; the identity events' moves are laid over it run by
    // run (decoded-batch.ts), so each record resolves as it would have alone: one lookup and one
    // alias transaction a batch, however many identity events it holds.
    const before = await this.resolveIds(batch.idsToResolve());
    const moves = await this.applyIdentity(batch.runs);
    const now = new Map<number, Map<string, string>>();
    const resolve = (projectId: number, id: string) =>
      now.get(projectId)?.get(id) ?? before.get(projectId)?.get(id);
    const steps: ProfileBatchItem[] = [];
    for (const [i, run] of batch.runs.entries()) {
      for (const { projectId, offset, result } of moves[i]) {
        const moved = now.get(projectId) ?? new Map<string, string>();
        now.set(projectId, moved);
        for (const id of result.moved) moved.set(id, result.canonicalId);
        for (const fromId of result.absorbedIds) {
          steps.push({ projectId, offset, fold: { fromId, toId: result.canonicalId } });
        }
      }
      this.profileSteps(run.updates, resolve, steps);
      for (const e of run.events) e.resolveTo(resolve(e.projectId, e.sentId));
    }
    // Updates and folds in queue order, in one transaction: an update sent to an anonymous id before
    // its $identify is in that profile when it is folded.
    if (steps.length > 0) await this.deps.profiles.applyMany(steps);
    return { events: batch.events };
  }

  private async storeAndCommit(consumer: QueueConsumer, batch: PreparedBatch, next: number): Promise<void> {
    await this.storeEvents(batch.events);
    this.processedThrough = next;
    const wait = this.lastCommitAt + COMMIT_INTERVAL_MS - Date.now();
    if (wait <= 0) await this.commitStored(consumer);
    else this.commitTimer ??= setTimeout(() => this.commitLater(consumer), wait).unref();
  }

  /** A commit the interval put off: the queue may stay quiet, so a timer makes it. */
  private commitLater(consumer: QueueConsumer): void {
    this.commitTimer = undefined;
    if (this.abort.signal.aborted) return; // stop() commits
    this.commitStored(consumer).catch((error: unknown) => {
      // The next batch or stop() commits again.
      this.deps.log.error("processor: offset commit failed", { error: String(error) });
    });
  }

  /** Commits the offset below which the store holds everything, unless it is committed already. */
  private commitStored(consumer: QueueConsumer): Promise<void> {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    const commit = this.commits.then(async () => {
      const through = this.processedThrough;
      if (through <= this.committedThrough) return;
      this.lastCommitAt = Date.now();
      await consumer.commit(through);
      this.committedThrough = through;
    });
    this.commits = commit.catch(() => undefined);
    return commit;
  }

  private readonly skipRecord = (reason: SkipReason, record: QueueRecord, error?: unknown): void => {
    if (reason === "undecodable") {
      // Bytes ingest never wrote: report loudly, but one bad record must not stall the pipeline.
      this.deps.log.error("processor: undecodable queue record skipped", {
        offset: record.offset,
        error: String(error),
      });
    }
    this.deps.onSkip?.(reason, 1);
  };

  /**
   * The batch's identity events, in queue order, one alias-map transaction per project; per run, the
   * links each of its identity events made.
   */
  private async applyIdentity(runs: readonly BatchRun[]): Promise<IdentityMove[][]> {
    const moves: IdentityMove[][] = runs.map(() => []);
    const requests = byProject(
      runs.flatMap((run, i) =>
        run.identity.map(({ offset, envelope }) => ({ projectId: envelope.projectId, offset, envelope, i })),
      ),
      ({ offset, envelope, i }) => {
        const request = identityRequest(envelope);
        return request === undefined ? undefined : { request, offset, i };
      },
    );
    for (const [projectId, items] of requests) {
      const results = await this.deps.aliases.applyAll(
        projectId,
        items.map((item) => item.request),
      );
      // Told before the folds: the links are committed now, and if the batch fails later it comes
      // round again, when applyAll finds nothing left to change and queries would never hear of it.
      if (results.some((result) => result.ok && result.changed)) this.deps.onIdentityChange?.(projectId);
      for (const [k, result] of results.entries()) {
        if (result.ok) moves[items[k].i].push({ projectId, offset: items[k].offset, result });
        else this.deps.onSkip?.(`identity_${result.reason}`, 1);
      }
    }
    return moves;
  }

  /** One alias lookup per project, for every distinct id given. */
  private async resolveIds(ids: ReadonlyMap<number, ReadonlySet<string>>): Promise<Resolved> {
    const resolved = new Map<number, Map<string, string>>();
    for (const [projectId, wanted] of ids) {
      resolved.set(projectId, await this.deps.aliases.resolveMany(projectId, [...wanted]));
    }
    return resolved;
  }

  /** The run's updates as steps, each person's update aimed at the id it resolves to now. */
  private profileSteps(
    updates: readonly QueuedUpdate[],
    resolve: (projectId: number, id: string) => string | undefined,
    steps: ProfileBatchItem[],
  ): void {
    for (const { offset, envelope } of updates) {
      const parsed = parseProfileUpdate(envelope.record, envelope.receivedAt);
      if (!parsed.ok) {
        this.deps.onSkip?.(`profile_${parsed.field}`, 1);
        continue;
      }
      let update = parsed.update;
      if (update.target.kind === "person" && !update.ignoreAlias) {
        const canonical = resolve(envelope.projectId, update.target.distinctId);
        if (canonical !== undefined)
          update = { ...update, target: { kind: "person", distinctId: canonical } };
      }
      steps.push({ projectId: envelope.projectId, offset, update });
    }
  }

  private async storeEvents(events: readonly EventToStore[]): Promise<void> {
    for (const [projectId, list] of byProject(events, (e) => e)) {
      const project = this.deps.projects.byId(projectId)!;
      await this.deps.store.appendText(projectId, project.timeZone, list);
    }
  }
}

/** `items` by project, each mapped by `pick` (an undefined pick is left out), in their order. */
function byProject<T extends { readonly projectId: number }, U>(
  items: readonly T[],
  pick: (item: T) => U | undefined,
): Map<number, U[]> {
  const lists = new Map<number, U[]>();
  for (const item of items) {
    const picked = pick(item);
    if (picked === undefined) continue;
    const list = lists.get(item.projectId);
    if (list === undefined) lists.set(item.projectId, [picked]);
    else list.push(picked);
  }
  return lists;
}
