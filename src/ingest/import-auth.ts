// /import's HTTP Basic authentication: the project's API secret as user name with an empty
// password, or a service account `user:secret` with ?project_id=N. The directory decides.

import type { Project, ProjectDirectory } from "../projects/project.js";
import type { IngestRequest } from "./exchange.js";
import { IngestError } from "./ingest-error.js";

export function authenticateImport(
  req: IngestRequest,
  projects: ProjectDirectory,
  projectId: number | undefined,
): Project {
  const credentials = basicCredentials(req.headers.authorization);
  if (credentials === undefined) {
    throw unauthorized(
      "/import needs HTTP Basic credentials: the project's API secret as user name, or a service account with project_id",
    );
  }
  const project = projects.authenticate(credentials.user, credentials.password, projectId);
  if (project === undefined) throw unauthorized("these credentials do not open any project");
  return project;
}

interface Credentials {
  readonly user: string;
  readonly password: string;
}

function basicCredentials(header: string | undefined): Credentials | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  if (user === "") return undefined;
  return { user, password: colon === -1 ? "" : decoded.slice(colon + 1) };
}

function unauthorized(message: string): IngestError {
  return new IngestError(401, "unauthorized", message);
}
