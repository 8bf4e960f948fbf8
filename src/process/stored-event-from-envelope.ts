// An event as ingest queued it → an event as the store takes it: the time and insert id the store
// files it by, the record's own text (the store keeps it as it came, lifting distinct_id, time and
// $insert_id out of the properties itself), and the distinct id once the batch's ids are resolved.
// Made right after the record is parsed, so the parsed object can be dropped at once.

import type { EventEnvelope } from "../queue/envelope.js";
import { stringifyExact } from "../store/exact-json.js";
import type { EventText } from "../store/stored-event.js";
import type { EventScan } from "./event-scan.js";

export class EventToStore implements EventText {
  distinctId: string;
  originalDistinctId: string | null = null;

  private constructor(
    readonly offset: number,
    readonly projectId: number,
    /** The distinct id as sent; "" when the event had none. */
    readonly sentId: string,
    readonly time: number,
    readonly insertIdGenerated: boolean,
    readonly text: Buffer,
  ) {
    this.distinctId = sentId;
  }

  /**
   * `recordText` is the text the record was parsed from, or null when the envelope came in a layout
   * that did not give it: then the record is written again, exactly.
   */
  static of(envelope: EventEnvelope, recordText: Buffer | null, offset: number): EventToStore {
    const props = envelope.record.properties;
    const text = recordText ?? Buffer.from(stringifyExact(envelope.record) ?? "", "utf8");
    const sent = props.distinct_id ?? "";
    return new EventToStore(offset, envelope.projectId, sent, props.time, envelope.insertIdGenerated, text);
  }

  /** The event `scan` has just read off `payload`; its text is a view of the payload's bytes. */
  static scanned(scan: EventScan, payload: Buffer, offset: number): EventToStore {
    const text = payload.subarray(scan.recordStart, scan.recordEnd);
    return new EventToStore(offset, scan.projectId, scan.distinctId, scan.time, scan.insertIdGenerated, text);
  }

  /** Files the event under `canonical`, the sent id's person, keeping the sent id when it differs. */
  resolveTo(canonical: string | undefined): void {
    if (canonical === undefined || canonical === this.sentId) return;
    this.distinctId = canonical;
    this.originalDistinctId = this.sentId;
  }
}
