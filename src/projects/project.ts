// A project: the unit of data ownership. Every event belongs to one; a token writes to it, a secret
// reads it and nothing else.

export interface Project {
  readonly id: number;
  readonly name: string;
  /** Public: sent by SDKs inside each record. */
  readonly token: string;
  /** Private: HTTP Basic user name for /import and the query API. */
  readonly secret: string;
  /** IANA zone in which the project's days begin and end. */
  readonly timeZone: string;
}

/** How the ingest and query stages find projects; the registry keeps it fresh while the server runs. */
export interface ProjectDirectory {
  byToken(token: string): Project | undefined;
  byId(id: number): Project | undefined;
  /**
   * HTTP Basic credentials: the project's secret as user with an empty password, or a service
   * account `user:secret` together with `projectId`. Undefined when they do not authenticate.
   */
  authenticate(user: string, password: string, projectId: number | undefined): Project | undefined;
}
