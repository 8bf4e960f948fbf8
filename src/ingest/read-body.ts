// Reads a request body under a hard cap: refused up front by Content-Length, and again by the
// transport while it streams, for chunked or lying clients. gzip and deflate bodies are inflated
// with maxOutputLength, so zlib itself stops a bomb as soon as its output passes the cap instead of
// inflating it all.

import { brotliDecompress, gunzip, type InputType, inflate, type ZlibOptions } from "node:zlib";
import type { BodyBudget } from "./body-budget.js";
import type { IngestRequest } from "./exchange.js";
import { IngestError } from "./ingest-error.js";
import { describeBytes } from "./limits.js";

type Inflate = (
  input: InputType,
  options: ZlibOptions,
  done: (error: Error | null, out: Buffer) => void,
) => void;

const INFLATERS: ReadonlyMap<string, Inflate> = new Map<string, Inflate>([
  ["gzip", gunzip],
  ["x-gzip", gunzip],
  ["deflate", inflate],
  ["br", brotliDecompress as Inflate],
]);

/** The body, inflated; at once when the transport holds it whole and it is not compressed. */
export function readBody(
  req: IngestRequest,
  maxBytes: number,
  budget?: BodyBudget,
): Buffer | Promise<Buffer> {
  const encoding = contentEncoding(req);
  const inflater = encoding === "" || encoding === "identity" ? undefined : INFLATERS.get(encoding);
  if (encoding !== "" && encoding !== "identity" && inflater === undefined) {
    throw new IngestError(
      415,
      "unsupported_media_type",
      `Content-Encoding ${encoding} is not supported: use gzip`,
    );
  }
  const declared = Number(req.headers["content-length"]);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const whole = req.wholeBody;
  if (whole !== undefined && inflater === undefined) {
    if (whole.length > maxBytes) throw tooLarge(maxBytes);
    return whole;
  }
  return received(req, maxBytes, budget, inflater, encoding);
}

async function received(
  req: IngestRequest,
  maxBytes: number,
  budget: BodyBudget | undefined,
  inflater: Inflate | undefined,
  encoding: string,
): Promise<Buffer> {
  const raw = await req.body(maxBytes, budget);
  if (raw.length > maxBytes) throw tooLarge(maxBytes);
  return inflater === undefined ? raw : inflateCapped(inflater, raw, maxBytes, encoding);
}

function inflateCapped(inflater: Inflate, raw: Buffer, maxBytes: number, encoding: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    inflater(raw, { maxOutputLength: maxBytes }, (error, out) => {
      if (error === null) resolve(out);
      else if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
        reject(tooLarge(maxBytes, true));
      else
        reject(new IngestError(400, "bad_gzip", `the body is not valid ${encoding} data: ${error.message}`));
    });
  });
}

function contentEncoding(req: IngestRequest): string {
  const header = req.headers["content-encoding"];
  return header === undefined ? "" : header.trim().toLowerCase();
}

export function tooLarge(maxBytes: number, inflated = false): IngestError {
  const what = inflated ? "the body inflates to more than" : "the body is over";
  return new IngestError(413, "body_too_large", `${what} ${describeBytes(maxBytes)}: the request body limit`);
}
