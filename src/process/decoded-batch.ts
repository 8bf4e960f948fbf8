// A batch of queue records decoded for processing, sorted by what each needs: events (reduced at once
// to what storing them takes), identity events (applied before any id of the batch is resolved) and
// profile or group updates. An ordinary event is read off its bytes without being parsed
// (event-scan.ts): the sealing worker parses it, once; the rest are parsed here.
// Hot path: per event one pass over its bytes and one small object; no closure per record.

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

export class DecodedBatch {
  readonly events: EventToStore[] = [];
  /** Identity events in queue order, with their offsets (they are stored as events too). */
  readonly identity: { readonly offset: number; readonly envelope: EventEnvelope }[] = [];
  readonly updates: QueuedUpdate[] = [];
  private readonly scan = new EventScan();

  constructor(
    private readonly projects: ProjectDirectory,
    private readonly onSkip: (reason: SkipReason, record: QueueRecord, error?: unknown) => void,
  ) {}

  add(record: QueueRecord): void {
    if (this.scan.read(record.payload)) {
      if (this.projects.byId(this.scan.projectId) === undefined) this.onSkip("unknown_project", record);
      else this.events.push(EventToStore.scanned(this.scan, record.payload, record.offset));
      return;
    }
    this.decode(record);
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
      this.updates.push({ offset: record.offset, envelope });
      return;
    }
    if (isIdentityEvent(envelope)) this.identity.push({ offset: record.offset, envelope });
    this.events.push(EventToStore.of(envelope, withText?.recordText ?? null, record.offset));
  }

  /** Every distinct id the batch mentions that the alias map may resolve, per project. */
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

function idsOf(wanted: Map<number, Set<string>>, projectId: number): Set<string> {
  let ids = wanted.get(projectId);
  if (ids === undefined) {
    ids = new Set();
    wanted.set(projectId, ids);
  }
  return ids;
}
