// The `engage` session id: an opaque token that pins a paged query to the profiles that existed when
// its first page was read. Profiles get a rising sequence number when first stored, so the token is
// that number's high-water mark (with the project and group key it was issued for). Pages read later
// leave out profiles created since, so pages do not shift under the reader; changed properties do
// show their newer values, and a profile deleted in between drops out.

import { EngageError } from "./profile-store.js";

export interface EngageSession {
  readonly projectId: number;
  /** "" for people. */
  readonly groupKey: string;
  /** Profiles stored with a higher sequence number are not part of the session. */
  readonly maxSeq: number;
}

export function encodeSession(session: EngageSession): string {
  const body = JSON.stringify([session.projectId, session.groupKey, session.maxSeq]);
  return "s1." + Buffer.from(body).toString("base64url");
}

/** The session of a token this store issued for the same project and group key. */
export function decodeSession(token: string, projectId: number, groupKey: string): EngageSession {
  const session = parse(token);
  if (session === undefined) throw new EngageError("session_id", "not one this server issued");
  if (session.projectId !== projectId || session.groupKey !== groupKey) {
    throw new EngageError("session_id", "issued for another query (another project or group key)");
  }
  return session;
}

function parse(token: string): EngageSession | undefined {
  if (!token.startsWith("s1.")) return undefined;
  try {
    const body: unknown = JSON.parse(Buffer.from(token.slice(3), "base64url").toString("utf8"));
    if (!Array.isArray(body) || body.length !== 3) return undefined;
    const [projectId, groupKey, maxSeq] = body as unknown[];
    if (!Number.isSafeInteger(projectId) || typeof groupKey !== "string" || !Number.isSafeInteger(maxSeq)) {
      return undefined;
    }
    return { projectId: projectId as number, groupKey, maxSeq: maxSeq as number };
  } catch {
    return undefined;
  }
}
