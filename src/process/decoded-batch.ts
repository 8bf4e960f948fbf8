// A batch of queue records decoded for processing, sorted by what each needs: events (reduced at once
// to what storing them takes), identity events and profile or group updates. An ordinary event is
// read off its bytes without being parsed (event-scan.ts): the sealing worker parses it, once; the
// rest are parsed here. Hot path: per event one pass over its bytes and one small object; no closure
// per record.
//
// The records are cut into runs at identity events, so that each is processed as if records came one
// at a time: a run's identity events are applied first, then its ids resolved and its updates
// applied, then the next run's. An event sent before an $identify is so stored under the id it had
// then, and an update to an anonymous id is in its profile before that profile is folded, however
// the processor happened to batch them. (A batch replayed after a crash finds its links already
// made, and resolves as they left the map: events it had stored are skipped, and updates it had
// applied count as applied, since a fold hands the absorbed id's last offset to the person.)

import type { ProjectDirectory } from "../projects/project.js";
import {
  decodeEnvelope,
  decodeEventWithText,
  type EventEnvelope,
  type GroupEnvelope,
  type ProfileEnvelope,
} from "../queue/envelope.js";
import type { QueueRecord } from "../queue/queue.js";
import { EventScan } from "./event-scan.js";
import { isIdentityEvent } from "./identity-events.js";
import { EventToStore } from "./stored-event-from-envelope.js";

export interface QueuedUpdate {
  readonly offset: number;
  readonly envelope: ProfileEnvelope | GroupEnvelope;
}

/** Why a record was left out, and which. */
export type SkipReason = "undecodable" | "unknown_project";

/** Identity events that open a run, then the records up to the next identity event, in queue order. */
export class BatchRun {
  /** With their offsets; they are among `events` too, since they are stored as events. */
  readonly identity: { readonly offset: number; readonly envelope: EventEnvelope }[] = [];
  readonly events: EventToStore[] = [];
  readonly updates: QueuedUpdate[] = [];

  /** Every distinct id the run mentions that the alias map may resolve, per project. */
  idsToResolve(): Map<number, Set<string>> {
    const wanted = new Map<number, Set<string>>();
    for (const e of this.events) {
      if (e.sentId !== "") idsOf(wanted, e.projectId).add(e.sentId);
    }
    for (const { envelope } of this.updates) {
      if (envelope.kind === "engage" && envelope.record.$ignore_alias !== true) {
        idsOf(wanted, envelope.projectId).add(envelope.record.$distinct_id);
      }
    }
    return wanted;
  }
}

export class DecodedBatch {
  /** Every event of the batch, in queue order, to be stored. */
  readonly events: EventToStore[] = [];
  readonly runs: BatchRun[] = [new BatchRun()];
  private readonly scan = new EventScan();

  constructor(
    private readonly projects: ProjectDirectory,
    private readonly onSkip: (reason: SkipReason, record: QueueRecord, error?: unknown) => void,
  ) {}

  add(record: QueueRecord): void {
    if (this.scan.read(record.payload)) {
      if (this.projects.byId(this.scan.projectId) === undefined) this.onSkip("unknown_project", record);
      else this.addEvent(EventToStore.scanned(this.scan, record.payload, record.offset));
      return;
    }
    this.decode(record);
  }

  /** Every distinct id the batch mentions that the alias map may resolve, per project. */
  idsToResolve(): Map<number, Set<string>> {
    const wanted = new Map<number, Set<string>>();
    for (const run of this.runs) {
      for (const [projectId, ids] of run.idsToResolve()) {
        const all = idsOf(wanted, projectId);
        for (const id of ids) all.add(id);
      }
    }
    return wanted;
  }

  private get run(): BatchRun {
    return this.runs[this.runs.length - 1];
  }

  private addEvent(event: EventToStore): void {
    this.events.push(event);
    this.run.events.push(event);
  }

  /** The ordinary way, for what the scan declines: a full parse. */
  private decode(record: QueueRecord): void {
    let withText: ReturnType<typeof decodeEventWithText>;
    let envelope: EventEnvelope | ProfileEnvelope | GroupEnvelope;
    try {
      withText = decodeEventWithText(record.payload);
      envelope = withText?.envelope ?? decodeEnvelope(record.payload);
    } catch (error) {
      this.onSkip("undecodable", record, error);
      return;
    }
    if (this.projects.byId(envelope.projectId) === undefined) {
      this.onSkip("unknown_project", record);
      return;
    }
    if (envelope.kind !== "event") {
      this.run.updates.push({ offset: record.offset, envelope });
      return;
    }
    if (isIdentityEvent(envelope)) {
      // Opens a run, unless the current one holds nothing but identity events yet.
      if (this.run.events.length > this.run.identity.length || this.run.updates.length > 0) {
        this.runs.push(new BatchRun());
      }
      this.run.identity.push({ offset: record.offset, envelope });
    }
    this.addEvent(EventToStore.of(envelope, withText?.recordText ?? null, record.offset));
  }
}

function idsOf(wanted: Map<number, Set<string>>, projectId: number): Set<string> {
  let ids = wanted.get(projectId);
  if (ids === undefined) {
    ids = new Set();
    wanted.set(projectId, ids);
  }
  return ids;
}
