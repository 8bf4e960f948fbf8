// The query API's HTTP edge: routing under /api/2.0/ and /api/query/, parameters from the query
// string or a form body, Basic authentication, a concurrency bound per project and a timeout.
// Endpoints receive an authenticated project and parsed parameters and never see HTTP details,
// except streaming ones, which write their lines to a sink.

import type { IncomingMessage, ServerResponse } from "node:http";
import { createGzip } from "node:zlib";
import type { Project, ProjectDirectory } from "../projects/project.js";
import { QueryLimitError } from "../query/engine/limits.js";
import { QueryParamError } from "../query/params-error.js";
import type { RouteHandler } from "./server.js";

export interface QueryRequest {
  readonly project: Project;
  readonly params: URLSearchParams;
  /** Aborted when the query runs past its time limit or the client goes away. */
  readonly signal: AbortSignal;
}

/** Where a streaming endpoint writes; `write` resolves when the sink can take more (back-pressure). */
export interface LineSink {
  write(chunk: string): Promise<void>;
}

export type QueryReply =
  | { readonly kind: "json"; readonly body: unknown }
  /** A reply already serialised (from the result cache). */
  | { readonly kind: "json-text"; readonly text: string }
  | {
      readonly kind: "stream";
      readonly contentType: string;
      readonly produce: (sink: LineSink) => Promise<void>;
    };

export type QueryEndpoint = (request: QueryRequest) => Promise<QueryReply>;

export interface QueryApiLimits {
  /**
   * A query's answer must be ready within this. A streamed answer (export) may run as long as it
   * keeps going: the time counts again from each line written, so only a stream where neither the
   * producer nor the client moves for this long is cut.
   */
  readonly timeoutMs: number;
  readonly concurrentPerProject: number;
  /**
   * Queries running at once over all projects: they share one back thread and its memory (a heavy
   * query may hold a gigabyte), and a service account reaches many projects.
   */
  readonly concurrentTotal: number;
  /**
   * A form-encoded POST body: room for a JSON parameter at its bound (QUERY_LIMITS.maxJsonChars, 1
   * Mi characters) once URL-encoded, which writes each quote, bracket or comma as three bytes.
   */
  readonly maxBodyBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryApiLimits = Object.freeze({
  timeoutMs: 60_000,
  concurrentPerProject: 5,
  concurrentTotal: 8,
  maxBodyBytes: 4 * 1024 * 1024,
});

export interface QueryApiOptions {
  readonly projects: ProjectDirectory;
  readonly endpoints: ReadonlyMap<string, QueryEndpoint>;
  readonly limits?: Partial<QueryApiLimits>;
  readonly onError?: (error: unknown) => void;
}

/** An error that is the client's, with the HTTP status that says so. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const PREFIXES = ["/api/2.0/", "/api/query/"];

function endpointName(path: string): string | undefined {
  for (const prefix of PREFIXES) {
    if (path.startsWith(prefix)) return path.slice(prefix.length).replace(/\/+$/, "");
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Too many queries, or their memory, or the engine restarting: each passes in moments.
  if (status === 429 || status === 503) res.setHeader("Retry-After", "1");
  sendJson(res, status, { error: message, status: "error" });
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      // Past the limit the rest is read and dropped, so that the client, still sending, gets the 413.
      if (size > maxBytes) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        reject(new HttpError(413, `request body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function readParams(req: IncomingMessage, url: URL, maxBytes: number): Promise<URLSearchParams> {
  const params = new URLSearchParams(url.search);
  if (req.method === "POST") {
    const type = req.headers["content-type"] ?? "";
    // Media types are case-insensitive; parameters (charset) may follow.
    const media = type.split(";", 1)[0].trim().toLowerCase();
    if (media !== "application/x-www-form-urlencoded" && media !== "") {
      throw new HttpError(415, `content-type must be application/x-www-form-urlencoded, not "${type}"`);
    }
    for (const [k, v] of new URLSearchParams(await readBody(req, maxBytes))) params.append(k, v);
  } else if (req.method !== "GET") {
    throw new HttpError(405, `method ${req.method} not allowed: use GET or POST`);
  }
  return params;
}

function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const header = req.headers.authorization;
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return { user: decoded, password: "" };
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function authenticate(req: IncomingMessage, params: URLSearchParams, projects: ProjectDirectory): Project {
  const creds = basicCredentials(req);
  if (creds === undefined) {
    throw new HttpError(
      401,
      "authentication required: HTTP Basic with the project's API secret as user name",
    );
  }
  // Empty counts as absent, as for every parameter.
  const rawId = params.get("project_id");
  const projectId = rawId === null || rawId === "" ? undefined : Number(rawId);
  if (projectId !== undefined && !Number.isSafeInteger(projectId)) {
    throw new HttpError(400, "project_id: must be a whole number");
  }
  const project = projects.authenticate(creds.user, creds.password, projectId);
  if (project === undefined) throw new HttpError(401, "invalid credentials for this project");
  return project;
}

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
}

/**
 * Streams an endpoint's lines with back-pressure, gzipped when the client accepts it; `progressed`
 * hears of each line the stream took. Once `signal` aborts (timed out, client gone) every write
 * fails with its reason, whether or not the producer watches the signal itself.
 */
async function sendStream(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Extract<QueryReply, { kind: "stream" }>,
  signal: AbortSignal,
  progressed: () => void,
): Promise<void> {
  const gzip = acceptsGzip(req);
  res.writeHead(200, { "content-type": reply.contentType, ...(gzip ? { "content-encoding": "gzip" } : {}) });
  const out = gzip ? createGzip() : res;
  if (gzip) out.pipe(res);
  const sink: LineSink = {
    write: (chunk) =>
      new Promise((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        if (res.destroyed) return reject(new HttpError(499, "client went away"));
        progressed();
        if (out.write(chunk)) resolve();
        else
          out.once("drain", () => {
            progressed();
            resolve();
          });
      }),
  };
  await reply.produce(sink);
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

/** The deadline answers the client even when a computation has not yet noticed the abort. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) reject(signal.reason);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

class ConcurrencyGate {
  private readonly running = new Map<number, number>();
  private total = 0;
  constructor(private readonly limits: QueryApiLimits) {}

  /** Takes a slot, or says which bound is full. */
  enter(projectId: number): string | undefined {
    const n = this.running.get(projectId) ?? 0;
    if (n >= this.limits.concurrentPerProject) {
      return `too many concurrent queries for this project (limit ${this.limits.concurrentPerProject})`;
    }
    if (this.total >= this.limits.concurrentTotal) {
      return `too many concurrent queries on this server (limit ${this.limits.concurrentTotal})`;
    }
    this.running.set(projectId, n + 1);
    this.total++;
    return undefined;
  }

  leave(projectId: number): void {
    const n = (this.running.get(projectId) ?? 1) - 1;
    if (n <= 0) this.running.delete(projectId);
    else this.running.set(projectId, n);
    this.total--;
  }
}

export function createQueryApiHandler(options: QueryApiOptions): RouteHandler {
  const limits: QueryApiLimits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
  const gate = new ConcurrencyGate(limits);

  async function answer(req: IncomingMessage, res: ServerResponse, endpoint: QueryEndpoint, url: URL) {
    const params = await readParams(req, url, limits.maxBodyBytes);
    const project = authenticate(req, params, options.projects);
    const full = gate.enter(project.id);
    if (full !== undefined) throw new HttpError(429, full);
    const controller = new AbortController();
    const timeOut = () => controller.abort(new HttpError(504, "query timed out"));
    let timer = setTimeout(timeOut, limits.timeoutMs);
    const progressed = (): void => {
      clearTimeout(timer);
      timer = setTimeout(timeOut, limits.timeoutMs);
    };
    res.on("close", () => controller.abort(new HttpError(499, "client went away")));
    let work: Promise<QueryReply> | undefined;
    try {
      work = endpoint({ project, params, signal: controller.signal });
      const reply = await untilAborted(work, controller.signal);
      if (reply.kind === "json") sendJson(res, 200, reply.body);
      else if (reply.kind === "json-text") sendJsonText(res, 200, reply.text);
      else await sendStream(req, res, reply, controller.signal, progressed);
    } finally {
      clearTimeout(timer);
      leaveWhenStopped(project.id, work);
    }
  }

  /**
   * The slot is the engine's work, not the reply: a query answered 504 keeps it until its work has
   * stopped (the engine sees the abort between batches), so retries cannot pile more work behind it.
   * A query whose work never stops gives its slot back after four more timeouts.
   */
  function leaveWhenStopped(projectId: number, work: Promise<unknown> | undefined): void {
    if (work === undefined) {
      gate.leave(projectId);
      return;
    }
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      clearTimeout(grace);
      gate.leave(projectId);
    };
    const grace = setTimeout(leave, 4 * limits.timeoutMs).unref();
    work.then(leave, leave);
  }

  return (req, res) => {
    const url = requestUrl(req.url);
    // Not a path (`//host:99999/`, an absolute form with a bad port): no query endpoint's.
    if (url === undefined) return false;
    const name = endpointName(url.pathname);
    if (name === undefined) return false;
    const endpoint = options.endpoints.get(name);
    if (endpoint === undefined) {
      sendError(res, 404, `no such query endpoint: ${name}`);
      return true;
    }
    answer(req, res, endpoint, url).catch((err: unknown) => {
      // A body not read to its end cannot be skipped on a kept-alive connection: close after the reply.
      if (!req.complete && !res.headersSent) res.setHeader("Connection", "close");
      if (err instanceof HttpError) sendError(res, err.status, err.message);
      else if (err instanceof QueryParamError) sendError(res, 400, err.message);
      // A query too big for its bounds is the request's problem: narrow the range, segments or steps.
      else if (err instanceof QueryLimitError) sendError(res, 400, `query too large: ${err.message}`);
      else {
        options.onError?.(err);
        sendError(res, 500, "internal error while answering the query; it has been logged");
      }
    });
    return true;
  };
}

const BASE_URL = "http://localhost";

/** The request target as a URL, or undefined when it does not parse as one (never a throw). */
function requestUrl(target: string | undefined): URL | undefined {
  const path = target ?? "/";
  return URL.canParse(path, BASE_URL) ? new URL(path, BASE_URL) : undefined;
}
