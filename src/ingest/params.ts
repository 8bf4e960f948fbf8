// The query parameters of the ingestion API (spec: "Query parameters"). mixpanel-python sends
// `verbose` and `ip` inside the form body instead, so a form's fields fill in what the query lacks.

import type { ParsedUrlQuery } from "node:querystring";
import { badRequest } from "./ingest-error.js";
import { parseQueryString } from "./query-string.js";

export interface RequestParams {
  /** Reply JSON `{"status":…,"error":…}` instead of `1` / `0`. */
  readonly verbose: boolean;
  /** Record the client address as the event's `ip` (the profile's `$ip`). */
  readonly ip: boolean;
  /** Reply with a 1×1 transparent GIF. */
  readonly img: boolean;
  /** /import: `strict=1` (true), `strict=0` (false), or not given. */
  readonly strict: boolean | undefined;
  /** JSONP function path, already checked. */
  readonly callback: string | undefined;
  /** Where to send the browser afterwards, already checked (http or https). */
  readonly redirect: string | undefined;
  /** /import service accounts: the project the credentials are for. */
  readonly projectId: number | undefined;
  /** The `data` parameter, still encoded (base64 or JSON). */
  readonly data: string | undefined;
}

/**
 * A dotted path of identifiers, each optionally indexed by a number: `fn`, `a.b_c.$d`, and
 * `mixpanel._jsc[12345]`, the form mixpanel-browser itself generates. Nothing here can run code.
 */
const CALLBACK = /^[A-Za-z_$][\w$]*(?:\[\d{1,16}\])*(?:\.[A-Za-z_$][\w$]*(?:\[\d{1,16}\])*)*$/;
const MAX_CALLBACK_CHARS = 256;

/** A null-prototype object, so user keys cannot reach a prototype. */
export function parseQuery(query: string): ParsedUrlQuery {
  return parseQueryString(query);
}

export function readParams(fields: ParsedUrlQuery, fallback?: ParsedUrlQuery): RequestParams {
  const pick = (name: string): string | undefined => first(fields[name]) ?? first(fallback?.[name]);
  return {
    verbose: isOn(pick("verbose")),
    ip: isOn(pick("ip")),
    img: isOn(pick("img")),
    strict: strictParam(pick("strict")),
    callback: callbackParam(pick("callback")),
    redirect: redirectParam(pick("redirect")),
    projectId: projectIdParam(pick("project_id")),
    data: pick("data"),
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isOn(value: string | undefined): boolean {
  return value === "1" || value === "true";
}

function strictParam(value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  return value !== "0" && value !== "false";
}

function callbackParam(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > MAX_CALLBACK_CHARS || !CALLBACK.test(value)) {
    throw badRequest(
      "bad_parameter",
      "callback must be a plain JavaScript identifier path such as `fn` or `app.on_track`",
    );
  }
  return value;
}

function redirectParam(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw badRequest("bad_parameter", "redirect must be an absolute http or https URL");
  }
  return url.href;
}

function projectIdParam(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const id = Number(value);
  if (!/^\d{1,15}$/.test(value) || !Number.isSafeInteger(id)) {
    throw badRequest("bad_parameter", "project_id must be a positive integer");
  }
  return id;
}
