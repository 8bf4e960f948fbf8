// The one HTTP server of a Tally process: ingestion first (the hot path), then the operational
// endpoints, then the query API. Plain ingestion requests are read by the server's own HTTP/1.1
// lane (http1/fast-lane.ts); node:http reads everything else. Timeouts are explicit so that a slow
// or silent client can neither hang a request nor hold a socket forever.

import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import { type IngestHandler, isIngestPath, nodeRequest, nodeResponse } from "../ingest/handler.js";
import { type FastLane, FastLaneServer } from "./http1/fast-lane.js";
import type { TallyMetrics } from "./metrics.js";

/** A handler that answers the paths it knows and returns false for the rest. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ServerParts {
  readonly metrics: TallyMetrics;
  /** Ingestion endpoints (/track, /engage, /groups, /import, /decide). */
  readonly ingest: IngestHandler;
  /** Query API and web UI; absent until those stages run in this process. */
  readonly query?: RouteHandler;
  /** Whether this process is ready to accept traffic (queue open, projects loaded). */
  readonly ready: () => boolean;
  /** A handler threw while routing a request (a bug): it was answered 500; this logs it. */
  readonly onError?: (error: unknown) => void;
}

export const SERVER_LIMITS = Object.freeze({
  /** Whole request, headers and body: a client that stops sending is cut off. */
  requestMs: 30_000,
  headersMs: 10_000,
  keepAliveMs: 5_000,
  /** GET /track?data=… carries whole batches in the URL; Node's default of 16 KiB is too small. */
  maxHeaderBytes: 64 * 1024,
  /**
   * Bodies the HTTP/1.1 lane buffers whole (a 2,000-event /import batch is about 1 MB); a longer
   * one is streamed by node:http, under the ingestion API's own limit.
   */
  laneBodyBytes: 4 * 1024 * 1024,
});

function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  type = "text/plain; charset=utf-8",
): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function answerOperational(req: IncomingMessage, res: ServerResponse, parts: ServerParts): boolean {
  const path = (req.url ?? "/").split("?", 1)[0];
  switch (path) {
    case "/healthz":
      sendText(res, 200, "ok\n");
      return true;
    case "/readyz":
      if (parts.ready()) sendText(res, 200, "ready\n");
      else sendText(res, 503, "not ready\n");
      return true;
    case "/metrics":
      parts.metrics.render().then(
        (text) => sendText(res, 200, text, "text/plain; version=0.0.4; charset=utf-8"),
        () => sendText(res, 500, "metrics unavailable\n"),
      );
      return true;
    default:
      return false;
  }
}

const INTERNAL_ERROR = JSON.stringify({ error: "internal error; it has been logged", status: "error" });
const INTERNAL_ERROR_HEADERS = Object.freeze({ "Content-Type": "application/json" });

function route(req: IncomingMessage, res: ServerResponse, parts: ServerParts): void {
  if (answerIngest(parts.ingest, req, res)) return;
  if (answerOperational(req, res, parts)) return;
  if (parts.query?.(req, res)) return;
  sendText(
    res,
    404,
    JSON.stringify({ error: `no such endpoint: ${(req.url ?? "/").split("?", 1)[0]}`, status: "error" }),
    "application/json",
  );
}

/** The HTTP/1.1 lane in front of node:http, taking the ingestion paths' plain requests. */
export function ingestLane(ingest: IngestHandler, onError?: (error: unknown) => void): FastLane {
  return {
    claims: (_method, url) => isIngestPath(url),
    answer: (exchange) => {
      // As in the server's listener: a throw (a bug) costs this request a 500, not the process.
      try {
        ingest(exchange, exchange);
      } catch (error) {
        onError?.(error);
        if (!exchange.finished) exchange.send(500, INTERNAL_ERROR_HEADERS, INTERNAL_ERROR);
      }
    },
    maxBodyBytes: SERVER_LIMITS.laneBodyBytes,
    arriving: ingest.arriving,
  };
}

/** The ingestion API on node:http, for a request the lane left to it; false for any other path. */
export function answerIngest(ingest: IngestHandler, req: IncomingMessage, res: ServerResponse): boolean {
  return ingest(nodeRequest(req), nodeResponse(res));
}

export function createTallyServer(parts: ServerParts): Server {
  parts.metrics.watchArrivingBodies(parts.ingest.arriving);
  const options = { maxHeaderSize: SERVER_LIMITS.maxHeaderBytes };
  const server = new FastLaneServer(options, ingestLane(parts.ingest, parts.onError), (req, res) => {
    // A throw here would be an uncaught exception in node:http's listener, and end the process
    // with every connection on it: one bad request must cost one 500, nothing more.
    try {
      route(req, res, parts);
    } catch (error) {
      parts.onError?.(error);
      if (res.headersSent) res.destroy();
      else sendText(res, 500, INTERNAL_ERROR, "application/json");
    }
  });
  server.requestTimeout = SERVER_LIMITS.requestMs;
  server.headersTimeout = SERVER_LIMITS.headersMs;
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveMs;
  // A socket error (a client resetting mid-request) is the client's problem, never the process's.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // A reply to an earlier request on this connection may still be on its way (its records being
    // made durable): the error answers the request after it, so it goes out after it.
    const pending = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    const reply = clientErrorReply(error.code);
    if (pending != null && !pending.writableFinished) {
      // node:http may have ended the socket itself, after a reply that said close.
      pending.once("finish", () => {
        if (socket.writable) socket.end(reply);
        else socket.destroy();
      });
      // Closed without finishing: the client is gone, or the reply failed.
      pending.once("close", () => {
        if (!socket.writableEnded) socket.destroy();
      });
    } else socket.end(reply);
  });
  return server;
}

/**
 * What node:http's parser refused, answered with a status and a JSON error that names the rule, as
 * every other refusal is. The request was never parsed, so its Origin is unknown: any may read it.
 */
export function clientErrorReply(code: string | undefined): string {
  const [status, error] = clientErrorRule(code);
  const body = JSON.stringify({ status: 0, error });
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Access-Control-Allow-Origin: *",
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

function clientErrorRule(code: string | undefined): [status: number, error: string] {
  const { maxHeaderBytes, headersMs, requestMs } = SERVER_LIMITS;
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return [
        431,
        `the request line and headers are over ${maxHeaderBytes} bytes: send large batches in a POST body`,
      ];
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return [
        408,
        `the request did not arrive in time: its headers within ${headersMs / 1000} s, all of it within ${requestMs / 1000} s`,
      ];
    default:
      return [400, `the request is not valid HTTP/1.1 (${code ?? "unknown error"})`];
  }
}
