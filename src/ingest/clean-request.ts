// From a request's records to its cleaned batch, with the parameters that decide how: one place for
// the ingestion server's thread and for the threads that clean large /import bodies
// (import-offload.ts), so both clean by the same rules.

import type { ParsedUrlQuery } from "node:querystring";
import type { Project, ProjectDirectory } from "../projects/project.js";
import type { RecordKind } from "../queue/envelope.js";
import { type CleanBatch, cleanBatch } from "./batch.js";
import { decodeBody } from "./decode.js";
import type { IngestLimits } from "./limits.js";
import type { IngestRoute } from "./metrics.js";
import { type RequestParams, readParams } from "./params.js";

/** What cleaning needs beside the records. */
export interface CleaningContext {
  readonly nowMs: number;
  /** The client's address, asked for only when the request sets ip=1. */
  readonly clientAddress: () => string | undefined;
  readonly projects: ProjectDirectory;
  /** /import: the authenticated project. */
  readonly project: Project | undefined;
  readonly limits: IngestLimits;
}

/** A request's batch, and its parameters (a form body may add some). */
export interface CleanedRequest {
  readonly batch: CleanBatch;
  readonly params: RequestParams;
  /** The records came in a `data` parameter, not as a JSON or NDJSON body. */
  readonly fromDataParam: boolean;
}

const KIND_OF: Readonly<Record<Exclude<IngestRoute, "decide">, RecordKind>> = {
  track: "event",
  import: "event",
  engage: "engage",
  groups: "groups",
};

export function cleanRecords(
  route: Exclude<IngestRoute, "decide">,
  records: readonly unknown[],
  params: RequestParams,
  fromDataParam: boolean,
  context: CleaningContext,
): CleanedRequest {
  const batch = cleanBatch(records, {
    kind: KIND_OF[route],
    importing: route === "import",
    nowMs: context.nowMs,
    clientIp: params.ip ? context.clientAddress() : undefined,
    projects: context.projects,
    project: context.project,
    limits: context.limits,
  });
  return { batch, params, fromDataParam };
}

/** A POST's body (inflated), decoded and cleaned; a form's fields fill in the query's parameters. */
export function cleanBody(
  route: Exclude<IngestRoute, "decide">,
  contentType: string | undefined,
  body: Buffer,
  query: ParsedUrlQuery,
  queryParams: RequestParams,
  context: CleaningContext,
): CleanedRequest {
  const decoded = decodeBody(route, contentType, body, queryParams.data, context.limits);
  const params = decoded.form === undefined ? queryParams : readParams(query, decoded.form);
  return cleanRecords(route, decoded.records, params, decoded.fromDataParam, context);
}
