// One request and its reply, as the ingestion API sees them, whatever carried them: node:http
// (node-exchange.ts) or the server's own HTTP/1.1 lane for the hot path (api/http1). The handler
// needs only this much of a request, so either transport can serve it unchanged.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { BodyBudget } from "./body-budget.js";

export interface IngestRequest {
  readonly method: string;
  /** The request target: path and query string. */
  readonly url: string;
  /** Lower-case names; no prototype a header name could reach. */
  readonly headers: IncomingHttpHeaders;
  /** The peer of the connection. */
  readonly remoteAddress: string | undefined;
  /** Whether the whole body has been received; a reply before that closes the connection. */
  readonly complete: boolean;
  /**
   * The body as sent (still compressed if it was). A transport that streams it stops with a 413
   * IngestError once it passes `maxBytes`, and with a 503 once the bodies still arriving would pass
   * `budget`, which holds this body's bytes until it has arrived whole. One that already holds it
   * whole may return it longer, and the caller refuses it then.
   */
  body(maxBytes: number, budget?: BodyBudget): Promise<Buffer>;
  /**
   * The whole body as sent, when the transport already holds it (the server's own lane takes a
   * request only once all of it has arrived): read without a turn of the event loop. Undefined when
   * it must be streamed with `body`.
   */
  readonly wholeBody?: Buffer;
  /** The reply was sent early: what is left of the body is read and dropped. */
  discardBody(): void;
}

export interface IngestResponse {
  /** A reply was already sent, or the client is gone. */
  readonly finished: boolean;
  /**
   * Sends the whole reply. The transport adds `Content-Length` from the body. A frozen `headers`
   * object is a constant the transport may render once and reuse.
   */
  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void;
  /** Drops the connection: no reply could be written. */
  destroy(): void;
}
