// The paths the ingestion API answers, with or without a trailing slash, and nothing else: every
// other path belongs to the rest of the server.

import type { IngestRoute } from "./metrics.js";

export interface IngestTarget {
  readonly route: IngestRoute;
  /** The raw query string, without the `?`. */
  readonly query: string;
}

const ROUTES: ReadonlyMap<string, IngestRoute> = new Map<string, IngestRoute>([
  ["/track", "track"],
  ["/engage", "engage"],
  ["/groups", "groups"],
  ["/import", "import"],
  ["/decide", "decide"],
]);

export function matchRoute(url: string): IngestTarget | undefined {
  const mark = url.indexOf("?");
  let path = mark === -1 ? url : url.slice(0, mark);
  if (path.length > 1 && path.charCodeAt(path.length - 1) === 47 /* / */) path = path.slice(0, -1);
  const route = ROUTES.get(path);
  if (route === undefined) return undefined;
  return { route, query: mark === -1 ? "" : url.slice(mark + 1) };
}

/** Whether `url` is one of the ingestion API's paths. */
export function isIngestPath(url: string): boolean {
  return matchRoute(url) !== undefined;
}
