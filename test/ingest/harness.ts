// The ingest handler behind Tally's HTTP server (its own HTTP/1.1 lane in front of node:http), with
// a fake queue and project directory, and a raw HTTP client that shows exactly what went over the
// wire.

import { request as httpRequest, type OutgoingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FastLaneServer } from "../../src/api/http1/fast-lane.js";
import { answerIngest, ingestLane, SERVER_LIMITS } from "../../src/api/server.js";
import { createIngestHandler, type IngestDeps } from "../../src/ingest/handler.js";
import type { IngestMetric } from "../../src/ingest/metrics.js";
import type { IngestSink } from "../../src/ingest/sink.js";
import type { Project, ProjectDirectory } from "../../src/projects/project.js";
import { decodeEnvelope, type Envelope } from "../../src/queue/envelope.js";

/** 2024-01-15 12:00:00 UTC: every test server's clock. */
export const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);

export const ALPHA: Project = {
  id: 1,
  name: "alpha",
  token: "tok-alpha",
  secret: "sec-alpha",
  timeZone: "UTC",
};
export const BETA: Project = { id: 2, name: "beta", token: "tok-beta", secret: "sec-beta", timeZone: "UTC" };

export class FakeProjects implements ProjectDirectory {
  constructor(private readonly projects: readonly Project[] = [ALPHA, BETA]) {}

  byToken(token: string): Project | undefined {
    return this.projects.find((p) => p.token === token);
  }

  byId(id: number): Project | undefined {
    return this.projects.find((p) => p.id === id);
  }

  authenticate(user: string, password: string, projectId: number | undefined): Project | undefined {
    if (password === "") return this.projects.find((p) => p.secret === user);
    // One service account, allowed on every project.
    if (user === "robot" && password === "robot-secret")
      return projectId === undefined ? undefined : this.byId(projectId);
    return undefined;
  }
}

/** Keeps what was appended; can be told to refuse the way the real queue does. */
export class FakeSink implements IngestSink {
  readonly batches: Buffer[][] = [];
  failWith: Error | undefined;
  /** Resolves appends only when released, to prove replies wait for durability. */
  hold: Promise<void> | undefined;

  async append(payloads: readonly Buffer[]): Promise<{ first: number; count: number }> {
    if (this.hold !== undefined) await this.hold;
    if (this.failWith !== undefined) throw this.failWith;
    const first = this.envelopes().length;
    this.batches.push([...payloads]);
    return { first, count: payloads.length };
  }

  envelopes(): Envelope[] {
    return this.batches.flat().map((payload) => decodeEnvelope(payload));
  }

  clear(): void {
    this.batches.length = 0;
  }
}

export function queueError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export interface TestServer {
  readonly port: number;
  readonly sink: FakeSink;
  readonly metrics: IngestMetric[];
  readonly errors: unknown[];
  send(path: string, options?: SendOptions): Promise<Reply>;
  close(): Promise<void>;
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
  json(): unknown;
}

export async function startServer(deps: Partial<IngestDeps> = {}): Promise<TestServer> {
  const sink = new FakeSink();
  const metrics: IngestMetric[] = [];
  const errors: unknown[] = [];
  const handle = createIngestHandler({
    projects: new FakeProjects(),
    sink,
    now: () => NOW,
    onMetric: (metric) => metrics.push(metric),
    onError: (error) => errors.push(error),
    ...deps,
  });
  const server = new FastLaneServer(
    { maxHeaderSize: SERVER_LIMITS.maxHeaderBytes },
    ingestLane(handle),
    (req, res) => {
      if (!answerIngest(handle, req, res)) {
        res.writeHead(404).end("not ingest");
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    sink: (deps.sink as FakeSink | undefined) ?? sink,
    metrics,
    errors,
    send: (path, options) => send(port, path, options),
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export function send(port: number, path: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          const text = body.toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: () => JSON.parse(text),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64");
}

/** An event as the SDKs send it to /track, valid at NOW. */
export function trackEvent(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { event: name, properties: { token: ALPHA.token, distinct_id: "user-1", ...extra } };
}

/** An event fit for /import: time and $insert_id included. */
export function importEvent(
  name: string,
  insertId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    event: name,
    properties: { distinct_id: "user-1", time: NOW / 1000 - 86400 * 400, $insert_id: insertId, ...extra },
  };
}

export function basicAuth(user: string, password = ""): string {
  return "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM = { "Content-Type": "application/x-www-form-urlencoded" } as const;
export const JSON_TYPE = { "Content-Type": "application/json" } as const;
