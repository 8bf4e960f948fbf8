// Query endpoints answered in another thread. The thread that reads the store serves its endpoints
// on a MessagePort (serveEndpoints); the HTTP thread calls them through portEndpoints, which keep
// the QueryEndpoint contract: replies come back as JSON text (serialised where they were built),
// streams as chunks with back-pressure, errors as the same classes, and an abort stops the work.

import type { MessagePort } from "node:worker_threads";
import type { Project } from "../projects/project.js";
import { QueryLimitError } from "../query/engine/limits.js";
import { QueryParamError } from "../query/params-error.js";
import { HttpError, type LineSink, type QueryEndpoint, type QueryReply } from "./query-api.js";

/** Chunks a stream may have in flight before the producing side waits for the HTTP side. */
const STREAM_WINDOW = 16;

type WireError =
  | { readonly type: "param"; readonly parameter: string; readonly problem: string }
  | { readonly type: "limit"; readonly bound: string; readonly message: string }
  | { readonly type: "http"; readonly status: number; readonly message: string }
  | { readonly type: "other"; readonly message: string };

type ToServer =
  | {
      readonly op: "call";
      readonly id: number;
      readonly name: string;
      readonly project: Project;
      readonly params: string;
    }
  | { readonly op: "abort"; readonly id: number }
  | { readonly op: "produce"; readonly id: number }
  | { readonly op: "ack"; readonly id: number };

type ToCaller =
  | { readonly id: number; readonly kind: "json-text"; readonly text: string }
  | { readonly id: number; readonly kind: "stream"; readonly contentType: string }
  | { readonly id: number; readonly kind: "chunk"; readonly chunk: string }
  | { readonly id: number; readonly kind: "end" }
  | { readonly id: number; readonly kind: "error"; readonly error: WireError };

function toWire(error: unknown): WireError {
  if (error instanceof QueryParamError)
    return { type: "param", parameter: error.parameter, problem: error.problem };
  if (error instanceof QueryLimitError) return { type: "limit", bound: error.bound, message: error.message };
  if (error instanceof HttpError) return { type: "http", status: error.status, message: error.message };
  return { type: "other", message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

function fromWire(error: WireError): Error {
  switch (error.type) {
    case "param":
      return new QueryParamError(error.parameter, error.problem);
    case "limit":
      return new QueryLimitError(error.bound as QueryLimitError["bound"], error.message);
    case "http":
      return new HttpError(error.status, error.message);
    case "other":
      return new Error(`query thread: ${error.message}`);
  }
}

/** One call being served: its abort, and for a stream the chunks the caller has yet to take. */
class ServedCall {
  readonly controller = new AbortController();
  stream: Extract<QueryReply, { kind: "stream" }> | null = null;
  #inFlight = 0;
  #wake: (() => void) | null = null;

  constructor(
    readonly id: number,
    private readonly post: (message: ToCaller) => void,
  ) {}

  /** The sink a stream writes to: it waits once STREAM_WINDOW chunks are untaken. */
  readonly sink: LineSink = {
    write: async (chunk) => {
      const { signal } = this.controller;
      if (signal.aborted) throw signal.reason;
      this.post({ id: this.id, kind: "chunk", chunk });
      if (++this.#inFlight < STREAM_WINDOW) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      if (signal.aborted) throw signal.reason;
    },
  };

  acked(): void {
    this.#inFlight--;
    this.#resume();
  }

  abort(): void {
    this.controller.abort(new HttpError(499, "the caller gave up on the query"));
    this.#resume();
  }

  #resume(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** The serving side: answers calls on `port` with `endpoints` until the port closes. */
export function serveEndpoints(port: MessagePort, endpoints: ReadonlyMap<string, QueryEndpoint>): void {
  const calls = new Map<number, ServedCall>();
  const post = (message: ToCaller) => port.postMessage(message);
  const fail = (id: number, error: unknown) => post({ id, kind: "error", error: toWire(error) });

  async function answer(request: Extract<ToServer, { op: "call" }>, served: ServedCall): Promise<void> {
    const endpoint = endpoints.get(request.name);
    if (endpoint === undefined) throw new HttpError(404, `no such query endpoint: ${request.name}`);
    const params = new URLSearchParams(request.params);
    const reply = await endpoint({ project: request.project, params, signal: served.controller.signal });
    if (reply.kind === "stream") {
      served.stream = reply;
      post({ id: request.id, kind: "stream", contentType: reply.contentType });
      return;
    }
    post({
      id: request.id,
      kind: "json-text",
      text: reply.kind === "json" ? JSON.stringify(reply.body) : reply.text,
    });
    calls.delete(request.id);
  }

  async function produce(served: ServedCall): Promise<void> {
    const stream = served.stream;
    served.stream = null;
    if (stream === null) return;
    await stream.produce(served.sink);
    post({ id: served.id, kind: "end" });
    calls.delete(served.id);
  }

  port.on("message", (message: ToServer) => {
    if (message.op === "call") {
      const served = new ServedCall(message.id, post);
      calls.set(message.id, served);
      answer(message, served).catch((error: unknown) => {
        calls.delete(message.id);
        fail(message.id, error);
      });
      return;
    }
    const served = calls.get(message.id);
    if (served === undefined) return;
    if (message.op === "ack") served.acked();
    else if (message.op === "abort") {
      served.abort();
      // A stream the caller gave up on before it was produced is never produced.
      if (served.stream !== null) calls.delete(message.id);
    } else
      produce(served).catch((error: unknown) => {
        calls.delete(message.id);
        fail(message.id, error);
      });
  });
  port.on("close", () => {
    for (const served of calls.values()) served.abort();
  });
}

/** A call waiting for its reply, or (`chunks`) a stream whose chunks are being written out. */
interface Waiting {
  readonly resolve: (reply: QueryReply) => void;
  readonly reject: (error: Error) => void;
  chunks?: (message: ToCaller) => void;
}

/** The calling side: one QueryEndpoint per name, each answered through `port`. */
export class PortEndpoints {
  #nextId = 1;
  readonly #waiting = new Map<number, Waiting>();

  constructor(private readonly port: MessagePort) {
    port.on("message", (message: ToCaller) => this.#receive(message));
    port.on("close", () => this.failAll(new HttpError(503, "the query engine is restarting; retry shortly")));
  }

  endpoints(names: Iterable<string>): Map<string, QueryEndpoint> {
    const map = new Map<string, QueryEndpoint>();
    for (const name of names) map.set(name, (request) => this.call(name, request));
    return map;
  }

  /** Fails every call in flight, as when the serving thread died. */
  failAll(error: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }

  call(name: string, request: Parameters<QueryEndpoint>[0]): Promise<QueryReply> {
    const id = this.#nextId++;
    const abort = () => this.#post({ op: "abort", id });
    request.signal.addEventListener("abort", abort, { once: true });
    const project = { ...request.project };
    return new Promise<QueryReply>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#post({ op: "call", id, name, project, params: request.params.toString() });
    });
  }

  #post(message: ToServer): void {
    this.port.postMessage(message);
  }

  #receive(message: ToCaller): void {
    const waiting = this.#waiting.get(message.id);
    if (waiting === undefined) return;
    if (waiting.chunks !== undefined) {
      waiting.chunks(message);
      return;
    }
    if (message.kind === "stream") {
      waiting.resolve(this.#stream(message.id, message.contentType, waiting));
      return;
    }
    this.#waiting.delete(message.id);
    if (message.kind === "json-text") waiting.resolve({ kind: "json-text", text: message.text });
    else if (message.kind === "error") waiting.reject(fromWire(message.error));
    else waiting.reject(new Error(`the query thread sent ${message.kind} before a reply`));
  }

  /** A stream reply whose produce() writes the serving side's chunks to the HTTP sink, in order. */
  #stream(id: number, contentType: string, waiting: Waiting): QueryReply {
    const produce = (sink: LineSink) =>
      new Promise<void>((resolve, reject) => {
        let written = Promise.resolve();
        const finish = (error?: Error) => {
          this.#waiting.delete(id);
          written.then(() => (error === undefined ? resolve() : reject(error)), reject);
        };
        const write = (chunk: string) => {
          written = written.then(async () => {
            await sink.write(chunk);
            this.#post({ op: "ack", id });
          });
          written.catch(() => this.#post({ op: "abort", id }));
        };
        const chunks = (message: ToCaller) => {
          if (message.kind === "chunk") write(message.chunk);
          else if (message.kind === "end") finish();
          else if (message.kind === "error") finish(fromWire(message.error));
        };
        // From here on the call's messages are chunks, and a failure of the port ends the stream.
        this.#waiting.set(id, { resolve: waiting.resolve, reject: finish, chunks });
        this.#post({ op: "produce", id });
      });
    return { kind: "stream", contentType, produce };
  }
}
