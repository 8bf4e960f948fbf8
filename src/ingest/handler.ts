// The ingestion API as one request listener: /track, /engage, /groups, /import and /decide, GET or
// POST, each request decoded, cleaned record by record, appended to the queue, and answered only
// once the append is durable. It never throws: every failure becomes a reply. The transport is
// node:http or the server's own HTTP/1.1 lane (exchange.ts).

import type { ParsedUrlQuery } from "node:querystring";
import type { ProjectDirectory } from "../projects/project.js";
import type { CleanBatch } from "./batch.js";
import { BodyBudget } from "./body-budget.js";
import { type CleanedRequest, type CleaningContext, cleanBody, cleanRecords } from "./clean-request.js";
import { clientAddress } from "./client-address.js";
import { recordsFromData } from "./decode.js";
import type { IngestRequest, IngestResponse } from "./exchange.js";
import { authenticateImport } from "./import-auth.js";
import type { ImportThreads } from "./import-threads.js";
import { IngestError, type RequestRejection } from "./ingest-error.js";
import { DEFAULT_LIMITS, type IngestLimits } from "./limits.js";
import type { IngestMetric, IngestRoute, MetricSink } from "./metrics.js";
import { parseQuery, type RequestParams, readParams } from "./params.js";
import { readBody } from "./read-body.js";
import { replyDecide, replyError, replyImport, replyPreflight, replyRecords } from "./reply.js";
import { type IngestTarget, matchRoute } from "./routes.js";
import { type IngestSink, isSinkUnavailable, sinkErrorCode } from "./sink.js";

// What the server bootstrap needs beside the handler, so it can import from this one file.
export type { IngestRequest, IngestResponse } from "./exchange.js";
export type { IngestLimits } from "./limits.js";
export { DEFAULT_LIMITS } from "./limits.js";
export type { IngestMetric, IngestRoute, MetricSink } from "./metrics.js";
export { nodeRequest, nodeResponse } from "./node-exchange.js";
export { isIngestPath } from "./routes.js";
export type { IngestSink } from "./sink.js";

export interface IngestDeps {
  readonly projects: ProjectDirectory;
  /** Where accepted records go; `append` resolves once they are durable. */
  readonly sink: IngestSink;
  /** Milliseconds since the epoch; tests pin it. */
  readonly now?: () => number;
  /** Take ip=1 addresses from X-Forwarded-For: only behind a proxy that sets it. */
  readonly trustProxy?: boolean;
  readonly limits?: Partial<IngestLimits>;
  readonly onMetric?: MetricSink;
  /** Failures that are Tally's fault (answered 500) or the queue's (answered 503), for the log. */
  readonly onError?: (error: unknown) => void;
  /** Threads that clean large /import bodies; without them every body is cleaned on this thread. */
  readonly importThreads?: ImportThreads;
}

/** Answers the ingestion paths and returns true; returns false, untouched, for any other path. */
export interface IngestHandler {
  (req: IngestRequest, res: IngestResponse): boolean;
  /**
   * The bytes of bodies still arriving (body-budget.ts): node:http's streamed bodies count in it,
   * and a transport that buffers partial requests itself (the HTTP lane) counts those in it too.
   */
  readonly arriving: BodyBudget;
}

const QUEUE_REASONS: ReadonlySet<RequestRejection> = new Set<RequestRejection>([
  "queue_full",
  "queue_unavailable",
  "queue_error",
]);

export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const limits: IngestLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  // Room for one whole body at least, so that a body arriving alone is never refused for the budget.
  const arriving = new BodyBudget(Math.max(limits.maxArrivingBodyBytes, limits.maxBodyBytes));
  const now = deps.now ?? Date.now;
  // A failing metrics or log callback must not turn a durable batch into an error reply.
  const metric = (value: IngestMetric): void => {
    try {
      deps.onMetric?.(value);
    } catch (error) {
      reportError(error);
    }
  };
  const reportError = (error: unknown): void => {
    try {
      deps.onError?.(error);
    } catch {
      // Nowhere left to report it.
    }
  };

  /**
   * Answers a request, at once or once its records are durable. Synchronous up to the queue's
   * append, and a plain promise chain after it: a one-event /track is the hot path, and each async
   * function and await it went through cost it a promise and a turn of the microtask queue.
   */
  function serve(req: IngestRequest, res: IngestResponse, target: IngestTarget): number | Promise<number> {
    const { route } = target;
    if (req.method === "OPTIONS") return replyPreflight(req, res);
    if (req.method !== "GET" && req.method !== "POST") {
      throw new IngestError(405, "method_not_allowed", `${req.method} is not allowed: use GET or POST`);
    }
    const query = parseQuery(target.query);
    const queryParams = readParams(query);
    if (route === "decide") return replyDecide(req, res, queryParams.callback);
    const project =
      route === "import" ? authenticateImport(req, deps.projects, queryParams.projectId) : undefined;
    const context: CleaningContext = {
      nowMs: now(),
      clientAddress: () => clientAddress(req, deps.trustProxy === true),
      projects: deps.projects,
      project,
      limits,
    };
    // Cleaned without a turn of the microtask queue where the request is already whole: every GET,
    // and a POST the server's own lane took.
    const cleaned =
      req.method === "POST"
        ? cleanPosted(req, route, target.query, query, queryParams, context)
        : cleanRecords(route, recordsFromData(route, queryParams.data, limits), queryParams, true, context);
    if (cleaned instanceof Promise) return cleaned.then((request) => storeAndReply(req, res, route, request));
    return storeAndReply(req, res, route, cleaned);
  }

  function storeAndReply(
    req: IngestRequest,
    res: IngestResponse,
    route: IngestRoute,
    cleaned: CleanedRequest,
  ): number | Promise<number> {
    const { batch } = cleaned;
    if (batch.failures.length > 0) countFailures(batch);
    const count = batch.payloads.length;
    if (count === 0) return reply(req, res, route, cleaned);
    // The reply waits for the append: it resolves once the records are durable.
    let appended: Promise<unknown>;
    try {
      appended = deps.sink.append(batch.payloads);
    } catch (error) {
      throw sinkFailure(error, count);
    }
    return appended.then(
      () => {
        metric({ type: "accepted", kind: batch.kind, count });
        return reply(req, res, route, cleaned);
      },
      (error: unknown) => {
        throw sinkFailure(error, count);
      },
    );
  }

  function reply(
    req: IngestRequest,
    res: IngestResponse,
    route: IngestRoute,
    cleaned: CleanedRequest,
  ): number {
    const { batch, params, fromDataParam } = cleaned;
    // The SDKs' /import (mixpanel-node, mixpanel-python) sends `data=` and parses /track's reply;
    // JSON and NDJSON bodies, or an explicit strict=1, get the /import API's own JSON.
    if (route === "import" && (params.strict === true || !fromDataParam)) {
      return replyImport(req, res, params.strict !== false, batch);
    }
    return replyRecords(req, res, params, batch);
  }

  /** A POST's body cleaned; a large /import body on a thread of its own. */
  function cleanPosted(
    req: IngestRequest,
    route: Exclude<IngestRoute, "decide">,
    rawQuery: string,
    query: ParsedUrlQuery,
    queryParams: RequestParams,
    context: CleaningContext,
  ): CleanedRequest | Promise<CleanedRequest> {
    const contentType = req.headers["content-type"];
    const clean = (body: Buffer): CleanedRequest | Promise<CleanedRequest> => {
      const threads = deps.importThreads;
      if (route !== "import" || context.project === undefined || !threads?.takes(body.length)) {
        return cleanBody(route, contentType, body, query, queryParams, context);
      }
      return threads.clean(body, {
        contentType,
        query: rawQuery,
        nowMs: context.nowMs,
        clientAddress: context.clientAddress(),
        project: context.project,
        limits,
      });
    };
    const body = readBody(req, limits.maxBodyBytes, arriving);
    return body instanceof Promise ? body.then(clean) : clean(body);
  }

  function countFailures(batch: CleanBatch): void {
    const byRule = new Map<string, number>();
    for (const failure of batch.failures)
      byRule.set(failure.problem.rule, (byRule.get(failure.problem.rule) ?? 0) + 1);
    for (const [reason, count] of byRule) metric({ type: "rejected", reason, count });
  }

  function sinkFailure(error: unknown, count: number): IngestError {
    const code = sinkErrorCode(error);
    metric({ type: "rejected", reason: code ?? "queue_error", count });
    reportError(error);
    if (code === "queue_full") {
      return new IngestError(
        503,
        "queue_full",
        "the queue is full (disk bound reached): nothing was accepted; retry later",
      );
    }
    if (isSinkUnavailable(code)) {
      return new IngestError(
        503,
        "queue_unavailable",
        "the queue cannot take records now: nothing was accepted; retry later",
      );
    }
    return new IngestError(
      500,
      "queue_error",
      "the records could not be stored: nothing was accepted; retry later",
    );
  }

  function fail(req: IngestRequest, res: IngestResponse, route: IngestRoute, error: unknown): number {
    let known: IngestError;
    if (error instanceof IngestError) {
      known = error;
    } else {
      reportError(error);
      known = new IngestError(500, "internal", "internal error: the request was not accepted");
    }
    // The queue's refusals were counted per record where they happened.
    if (!QUEUE_REASONS.has(known.reason)) metric({ type: "rejected", reason: known.reason, count: 1 });
    try {
      return replyError(req, res, route, known);
    } catch (replyFailure) {
      reportError(replyFailure);
      res.destroy();
      return 500;
    }
  }

  /** Serves one request and counts its answer; never throws, and what it starts never rejects. */
  function answer(req: IngestRequest, res: IngestResponse, target: IngestTarget): void {
    const { route } = target;
    let status: number | Promise<number>;
    try {
      status = serve(req, res, target);
    } catch (error) {
      status = fail(req, res, route, error);
    }
    if (typeof status === "number") {
      metric({ type: "request", route, status });
      return;
    }
    status
      .then(
        (answered) => metric({ type: "request", route, status: answered }),
        (error: unknown) => metric({ type: "request", route, status: fail(req, res, route, error) }),
      )
      .catch(reportError);
  }

  const handleIngest = (req: IngestRequest, res: IngestResponse): boolean => {
    const target = matchRoute(req.url);
    if (target === undefined) return false;
    answer(req, res, target);
    return true;
  };
  return Object.assign(handleIngest, { arriving });
}
