// The ingestion API's view of a node:http request and response (exchange.ts): the transport for
// every request the server's own HTTP/1.1 lane does not take (chunked or oversized bodies, Expect,
// anything unusual), with node's streams underneath.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { BodyBudget } from "./body-budget.js";
import type { IngestRequest, IngestResponse } from "./exchange.js";
import { IngestError } from "./ingest-error.js";
import { describeBytes } from "./limits.js";
import { tooLarge } from "./read-body.js";

export function nodeRequest(req: IncomingMessage): IngestRequest {
  return {
    method: req.method ?? "",
    url: req.url ?? "",
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress,
    get complete() {
      // node:http calls the handler before it marks even a bodiless request complete: a request
      // with neither length nor chunks has no body, and nothing of it is left to arrive.
      return req.complete || !hasBody(req);
    },
    body: (maxBytes, budget) => collect(req, maxBytes, budget),
    discardBody: () => req.resume(),
  };
}

export function nodeResponse(res: ServerResponse): IngestResponse {
  return {
    get finished() {
      return res.headersSent || res.destroyed;
    },
    send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer) {
      // Set apart so a frozen headers object is never written to; writeHead merges the two.
      res.setHeader("Content-Length", typeof body === "string" ? Buffer.byteLength(body) : body.length);
      res.writeHead(status, headers);
      res.end(body);
    },
    destroy: () => res.destroy(),
  };
}

function collect(req: IncomingMessage, maxBytes: number, budget: BodyBudget | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const refuse = (error: IngestError): void => {
      settle();
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > maxBytes) refuse(tooLarge(maxBytes));
      else if (budget !== undefined && !budget.take(chunk.length)) refuse(busy(budget));
      else {
        size += chunk.length;
        chunks.push(chunk);
      }
    };
    const onEnd = (): void => {
      settle();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onAbort = (): void => {
      settle();
      reject(new IngestError(400, "bad_payload", "the client closed the connection before the body ended"));
    };
    const onClose = (): void => {
      if (!req.complete) onAbort();
    };
    // Every listener goes when the body settles, so a kept-alive socket collects nothing; the
    // budget gets its bytes back, since a whole body is the caller's to hold.
    const settle = (): void => {
      budget?.give(size);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onClose);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("close", onClose);
  });
}

function busy(budget: BodyBudget): IngestError {
  return new IngestError(
    503,
    "busy",
    `the server is receiving ${describeBytes(budget.maxBytes)} of other request bodies: retry later`,
  );
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}
