// The processor: takes batches off the queue, resolves identity, applies profile updates and hands
// events to the store, then commits its queue offset. Every step is idempotent per queue offset, so
// a batch replayed after a crash changes nothing that was already done.

import type { ProjectDirectory } from "../projects/project.js";
import { batches } from "../queue/batches.js";
import { decodeEnvelope, type Envelope, type EventEnvelope } from "../queue/envelope.js";
import type { Queue, QueueConsumer, QueueRecord } from "../queue/queue.js";
import type { Logger } from "../server/log.js";
import type { EventStore } from "../store/event-store.js";
import type { AliasStore } from "./alias-store.js";
import { applyIdentityEvent, isIdentityEvent } from "./identity-events.js";
import type { ProfileBatchItem, ProfileStore } from "./profile-store.js";
import { parseProfileUpdate } from "./profile-update.js";
import { toStoredEvent } from "./stored-event-from-envelope.js";

export interface ProcessorDeps {
  readonly queue: Queue;
  readonly store: EventStore;
  readonly aliases: AliasStore;
  readonly profiles: ProfileStore;
  readonly projects: ProjectDirectory;
  readonly log: Logger;
  /** Records per batch taken off the queue. */
  readonly batchRecords?: number;
  /** Counts what happened to records that were not stored as asked. */
  readonly onSkip?: (reason: string, count: number) => void;
  /** Told when an identity event linked ids, so query-time alias maps can be refreshed. */
  readonly onIdentityChange?: (projectId: number) => void;
}

interface Decoded {
  readonly offset: number;
  readonly envelope: Envelope;
}

const CONSUMER = "processor";
const RETRY_MS = [100, 500, 2000, 5000];

export class Processor {
  private consumer: QueueConsumer | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  /** Queue offset below which everything is in the store. */
  processedThrough = 0;

  constructor(private readonly deps: ProcessorDeps) {}

  async start(): Promise<void> {
    this.consumer = await this.deps.queue.consumer(CONSUMER);
    this.processedThrough = this.consumer.committed;
    this.running = this.loop(this.consumer);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    await this.consumer?.close();
  }

  private async loop(consumer: QueueConsumer): Promise<void> {
    const limits = { maxRecords: this.deps.batchRecords ?? 5000 };
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        for await (const records of batches(consumer, limits, this.abort.signal)) {
          await this.processBatch(records);
          const next = records[records.length - 1].offset + 1;
          await consumer.commit(next);
          this.processedThrough = next;
          failures = 0;
        }
        return;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        // A failing store or database must not lose the batch: go back to the last commit and retry.
        const wait = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)];
        this.deps.log.error("processor: batch failed, retrying", { error: String(error), retryInMs: wait });
        consumer.rewind();
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private decode(records: readonly QueueRecord[]): Decoded[] {
    const out: Decoded[] = [];
    for (const r of records) {
      try {
        out.push({ offset: r.offset, envelope: decodeEnvelope(r.payload) });
      } catch (error) {
        // Bytes ingest never wrote: report loudly, but one bad record must not stall the pipeline.
        this.deps.log.error("processor: undecodable queue record skipped", {
          offset: r.offset,
          error: String(error),
        });
        this.deps.onSkip?.("undecodable", 1);
      }
    }
    return out;
  }

  /** Handles one batch completely; safe to call again with the same records. */
  async processBatch(records: readonly QueueRecord[]): Promise<void> {
    const decoded = this.decode(records).filter((d) => this.knownProject(d));
    for (const d of decoded) {
      if (d.envelope.kind === "event" && isIdentityEvent(d.envelope)) await this.identity(d.envelope);
    }
    const resolved = await this.resolveIds(decoded);
    await this.applyProfiles(decoded, resolved);
    await this.storeEvents(decoded, resolved);
  }

  private knownProject(d: Decoded): boolean {
    if (this.deps.projects.byId(d.envelope.projectId) !== undefined) return true;
    this.deps.onSkip?.("unknown_project", 1);
    return false;
  }

  private async identity(envelope: EventEnvelope): Promise<void> {
    const result = await applyIdentityEvent(this.deps.aliases, envelope);
    if (result === undefined) return;
    if (!result.ok) {
      this.deps.onSkip?.(`identity_${result.reason}`, 1);
      return;
    }
    if (result.changed) this.deps.onIdentityChange?.(envelope.projectId);
    for (const id of result.absorbedIds) {
      await this.deps.profiles.mergeProfiles(envelope.projectId, id, result.canonicalId);
    }
  }

  /** One alias lookup per project per batch, for every distinct id the batch mentions. */
  private async resolveIds(decoded: readonly Decoded[]): Promise<Map<number, Map<string, string>>> {
    const wanted = new Map<number, Set<string>>();
    for (const { envelope } of decoded) {
      const id = idToResolve(envelope);
      if (id === undefined) continue;
      getOrAdd(wanted, envelope.projectId, () => new Set<string>()).add(id);
    }
    const resolved = new Map<number, Map<string, string>>();
    for (const [projectId, ids] of wanted) {
      resolved.set(projectId, await this.deps.aliases.resolveMany(projectId, [...ids]));
    }
    return resolved;
  }

  private async applyProfiles(decoded: readonly Decoded[], resolved: Map<number, Map<string, string>>) {
    const items: ProfileBatchItem[] = [];
    for (const { offset, envelope } of decoded) {
      if (envelope.kind === "event") continue;
      const parsed = parseProfileUpdate(envelope.record, envelope.receivedAt);
      if (!parsed.ok) {
        this.deps.onSkip?.(`profile_${parsed.field}`, 1);
        continue;
      }
      let update = parsed.update;
      if (update.target.kind === "person" && !update.ignoreAlias) {
        const canonical = resolved.get(envelope.projectId)?.get(update.target.distinctId);
        if (canonical !== undefined)
          update = { ...update, target: { kind: "person", distinctId: canonical } };
      }
      items.push({ projectId: envelope.projectId, offset, update });
    }
    if (items.length > 0) await this.deps.profiles.applyMany(items);
  }

  private async storeEvents(decoded: readonly Decoded[], resolved: Map<number, Map<string, string>>) {
    const byProject = new Map<number, ReturnType<typeof toStoredEvent>[]>();
    for (const { offset, envelope } of decoded) {
      if (envelope.kind !== "event") continue;
      const event = toStoredEvent(envelope, offset, resolved.get(envelope.projectId));
      getOrAdd(byProject, envelope.projectId, () => []).push(event);
    }
    for (const [projectId, events] of byProject) {
      const project = this.deps.projects.byId(projectId)!;
      await this.deps.store.append(projectId, project.timeZone, events);
    }
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function idToResolve(envelope: Envelope): string | undefined {
  if (envelope.kind === "event") return envelope.record.properties.distinct_id;
  if (envelope.kind === "engage" && envelope.record.$ignore_alias !== true)
    return envelope.record.$distinct_id;
  return undefined;
}
