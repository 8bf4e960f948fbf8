// A queue consumer in another thread: the thread that owns the queue serves its consumer over a
// MessagePort (serveConsumer), and the consuming thread reads through a PortConsumer, which keeps
// the QueueConsumer contract exactly. So the processor runs beside the ingestion server rather than
// on its thread, and a read costs the owner one file read and one copy into a transferred buffer.

import type { MessagePort } from "node:worker_threads";
import type { Offset, QueueConsumer, QueueRecord, ReadLimits } from "./queue.js";
import { QueueError, type QueueErrorCode } from "./queue.js";

type Request =
  | { readonly id: number; readonly op: "state" }
  | { readonly id: number; readonly op: "read"; readonly limits: ReadLimits }
  | { readonly id: number; readonly op: "wait" }
  | { readonly id: number; readonly op: "commit"; readonly offset: Offset }
  | { readonly id: number; readonly op: "close" }
  | { readonly op: "cancelWait"; readonly wait: number }
  | { readonly op: "rewind" };

/** Records of one read in three transferable arrays: offsets, where each payload ends, the bytes. */
interface PackedRecords {
  readonly offsets: Float64Array;
  readonly ends: Uint32Array;
  readonly bytes: Uint8Array;
}

interface ConsumerState {
  readonly name: string;
  readonly committed: Offset;
  readonly position: Offset;
  readonly depth: number;
}

type Reply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly state: ConsumerState;
      readonly records?: PackedRecords;
      readonly found?: boolean;
    }
  | { readonly id: number; readonly ok: false; readonly code: QueueErrorCode; readonly message: string };

/**
 * Serves `consumer` on `port` until the port closes. A new serving starts from the last commit,
 * as a restarted process would: whatever an earlier peer read but did not commit is read again.
 */
export function serveConsumer(port: MessagePort, consumer: QueueConsumer): void {
  consumer.rewind();
  const waits = new Map<number, AbortController>();
  const state = (): ConsumerState => ({
    name: consumer.name,
    committed: consumer.committed,
    position: consumer.position,
    depth: consumer.depth(),
  });
  const answer = (
    id: number,
    work: Promise<Partial<Reply>>,
    transfer: (r: Partial<Reply>) => ArrayBuffer[],
  ) =>
    work.then(
      (done) => port.postMessage({ ...done, id, ok: true, state: state() }, transfer(done)),
      (error: unknown) => port.postMessage(failure(id, error)),
    );
  port.on("message", (request: Request) => {
    switch (request.op) {
      case "state":
        return answer(request.id, Promise.resolve({}), none);
      case "read":
        return answer(
          request.id,
          consumer.read(request.limits).then((records) => ({ records: pack(records) })),
          transferred,
        );
      case "wait": {
        const controller = new AbortController();
        waits.set(request.id, controller);
        const found = consumer.waitForRecords(controller.signal).finally(() => waits.delete(request.id));
        return answer(
          request.id,
          found.then((f) => ({ found: f })),
          none,
        );
      }
      case "cancelWait":
        return waits.get(request.wait)?.abort();
      case "commit":
        return answer(
          request.id,
          consumer.commit(request.offset).then(() => ({})),
          none,
        );
      case "rewind":
        return consumer.rewind();
      case "close":
        for (const wait of waits.values()) wait.abort();
        return answer(request.id, Promise.resolve({}), none);
    }
  });
  port.on("close", () => {
    for (const wait of waits.values()) wait.abort();
  });
}

const none = (): ArrayBuffer[] => [];
const transferred = (reply: Partial<Reply>): ArrayBuffer[] => {
  const records = "records" in reply ? reply.records : undefined;
  if (records === undefined) return [];
  return [records.offsets.buffer, records.ends.buffer, records.bytes.buffer] as ArrayBuffer[];
};

function failure(id: number, error: unknown): Reply {
  if (error instanceof QueueError) return { id, ok: false, code: error.code, message: error.message };
  return { id, ok: false, code: "queue_io", message: error instanceof Error ? error.message : String(error) };
}

function pack(records: readonly QueueRecord[]): PackedRecords {
  let total = 0;
  for (const record of records) total += record.payload.length;
  const bytes = new Uint8Array(total);
  const offsets = new Float64Array(records.length);
  const ends = new Uint32Array(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    bytes.set(records[i].payload, at);
    at += records[i].payload.length;
    offsets[i] = records[i].offset;
    ends[i] = at;
  }
  return { offsets, ends, bytes };
}

function unpack({ offsets, ends, bytes }: PackedRecords): QueueRecord[] {
  const records: QueueRecord[] = new Array(offsets.length);
  let start = 0;
  for (let i = 0; i < offsets.length; i++) {
    records[i] = {
      offset: offsets[i],
      payload: Buffer.from(bytes.buffer, bytes.byteOffset + start, ends[i] - start),
    };
    start = ends[i];
  }
  return records;
}

/** A request that gets a reply, before its id is added. */
type AskRequest = DistributiveOmit<Extract<Request, { readonly id: number }>, "id">;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

type Pending = { resolve: (reply: Reply & { ok: true }) => void; reject: (error: QueueError) => void };

/** The consuming side: a QueueConsumer whose reads, waits and commits are served on `port`. */
export class PortConsumer implements QueueConsumer {
  #state: ConsumerState;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  private constructor(
    private readonly port: MessagePort,
    state: ConsumerState,
  ) {
    this.#state = state;
  }

  /** Asks the serving side for the consumer's name and offsets; the port must be served already. */
  static async connect(port: MessagePort): Promise<PortConsumer> {
    const consumer = new PortConsumer(port, { name: "", committed: 0, position: 0, depth: 0 });
    port.on("message", (reply: Reply) => consumer.#settle(reply));
    port.on("close", () => consumer.#failAll());
    await consumer.#ask({ op: "state" });
    return consumer;
  }

  get name(): string {
    return this.#state.name;
  }

  get committed(): Offset {
    return this.#state.committed;
  }

  get position(): Offset {
    return this.#state.position;
  }

  async read(limits: ReadLimits = {}): Promise<QueueRecord[]> {
    const reply = await this.#ask({ op: "read", limits: { ...limits } });
    return reply.records === undefined ? [] : unpack(reply.records);
  }

  async waitForRecords(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    const id = this.#nextId++;
    const cancel = () => this.port.postMessage({ op: "cancelWait", wait: id } satisfies Request);
    signal?.addEventListener("abort", cancel, { once: true });
    try {
      return (await this.#ask({ op: "wait" }, id)).found === true;
    } catch (error) {
      if (error instanceof QueueError && error.code === "queue_closed") return false;
      throw error;
    } finally {
      signal?.removeEventListener("abort", cancel);
    }
  }

  async commit(offset: Offset): Promise<void> {
    await this.#ask({ op: "commit", offset });
  }

  rewind(): void {
    this.#state = { ...this.#state, position: this.#state.committed };
    this.port.postMessage({ op: "rewind" } satisfies Request);
  }

  depth(): number {
    return this.#state.depth;
  }

  async close(): Promise<void> {
    await this.#ask({ op: "close" }).catch(() => undefined);
  }

  /** Sends a request that expects a reply; `id` is the caller's when it must know it first. */
  #ask(request: AskRequest, id = this.#nextId++) {
    return new Promise<Reply & { ok: true }>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.port.postMessage({ ...request, id });
    });
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (!reply.ok) {
      pending.reject(new QueueError(reply.code, reply.message));
      return;
    }
    this.#state = reply.state;
    pending.resolve(reply);
  }

  #failAll(): void {
    for (const pending of this.#pending.values()) {
      pending.reject(new QueueError("queue_closed", "the queue's thread closed the consumer's port"));
    }
    this.#pending.clear();
  }
}
