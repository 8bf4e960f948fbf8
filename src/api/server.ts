// The one HTTP server of a Tally process: ingestion first (the hot path), then the operational
// endpoints, then the query API. Timeouts are explicit so that a slow or silent client can neither
// hang a request nor hold a socket forever.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { TallyMetrics } from "./metrics.js";

/** A handler that answers the paths it knows and returns false for the rest. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ServerParts {
  readonly metrics: TallyMetrics;
  /** Ingestion endpoints (/track, /engage, /groups, /import, /decide). */
  readonly ingest: RouteHandler;
  /** Query API and web UI; absent until those stages run in this process. */
  readonly query?: RouteHandler;
  /** Whether this process is ready to accept traffic (queue open, projects loaded). */
  readonly ready: () => boolean;
}

export const SERVER_LIMITS = Object.freeze({
  /** Whole request, headers and body: a client that stops sending is cut off. */
  requestMs: 30_000,
  headersMs: 10_000,
  keepAliveMs: 5_000,
  /** GET /track?data=… carries whole batches in the URL; Node's default of 16 KiB is too small. */
  maxHeaderBytes: 64 * 1024,
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

export function createTallyServer(parts: ServerParts): Server {
  const server = createServer({ maxHeaderSize: SERVER_LIMITS.maxHeaderBytes }, (req, res) => {
    if (parts.ingest(req, res)) return;
    if (answerOperational(req, res, parts)) return;
    if (parts.query?.(req, res)) return;
    sendText(
      res,
      404,
      JSON.stringify({ error: `no such endpoint: ${(req.url ?? "/").split("?", 1)[0]}`, status: "error" }),
      "application/json",
    );
  });
  server.requestTimeout = SERVER_LIMITS.requestMs;
  server.headersTimeout = SERVER_LIMITS.headersMs;
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveMs;
  // A socket error (a client resetting mid-request) is the client's problem, never the process's.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}
