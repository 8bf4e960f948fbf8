// Failures of a whole request, as values with a status and a reason code. reply.ts maps them to the
// reply each endpoint speaks; the reason doubles as the metrics label.

export type RequestRejection =
  | "bad_base64"
  | "bad_json"
  | "bad_gzip"
  | "missing_data"
  | "bad_payload"
  | "unsupported_media_type"
  | "body_too_large"
  | "too_many_records"
  | "bad_parameter"
  | "unauthorized"
  | "method_not_allowed"
  | "busy"
  | "queue_full"
  | "queue_unavailable"
  | "queue_error"
  | "internal";

export class IngestError extends Error {
  constructor(
    readonly status: number,
    readonly reason: RequestRejection,
    message: string,
  ) {
    super(message);
    this.name = "IngestError";
  }
}

export function badRequest(reason: RequestRejection, message: string): IngestError {
  return new IngestError(400, reason, message);
}
