// Projects live in SQLite in the data directory, so `tally project add` can run beside a live server.
// The server keeps an in-memory copy for the request path and reloads it when another connection
// commits (SQLite's data_version tells), within a fraction of a second.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { openDurableDatabase } from "../util/sqlite.js";
import type { Project, ProjectDirectory } from "./project.js";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL UNIQUE,
    timezone TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS service_accounts (
    username TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects(id)
  );
`;

export interface NewProject {
  readonly name: string;
  readonly token?: string;
  readonly secret?: string;
  readonly timeZone?: string;
}

interface ProjectRow {
  id: number;
  name: string;
  token: string;
  secret: string;
  timezone: string;
}

interface ServiceAccount {
  readonly secret: string;
  readonly projectId: number;
}

/** Thrown for a request the registry refuses (bad name, taken token, unknown zone). */
export class ProjectError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const CREDENTIAL = /^[A-Za-z0-9_-]{8,128}$/;

function checkNewProject(p: NewProject): void {
  if (p.name.trim() === "" || p.name.length > 255) {
    throw new ProjectError("name", "name must be 1 to 255 characters");
  }
  for (const field of ["token", "secret"] as const) {
    const value = p[field];
    if (value !== undefined && !CREDENTIAL.test(value)) {
      throw new ProjectError(field, `${field} must be 8 to 128 letters, digits, '_' or '-'`);
    }
  }
  if (p.timeZone !== undefined && !isValidTimeZone(p.timeZone)) {
    throw new ProjectError("timezone", `unknown time zone "${p.timeZone}"`);
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ProjectRegistry implements ProjectDirectory {
  private readonly db: Database.Database;
  private byTokenMap = new Map<string, Project>();
  private bySecretMap = new Map<string, Project>();
  private byIdMap = new Map<number, Project>();
  private accounts = new Map<string, ServiceAccount>();
  private dataVersion = -1;
  private timer: NodeJS.Timeout | undefined;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = openDurableDatabase(join(dataDir, "meta.db"));
    this.db.exec(SCHEMA);
    this.refresh();
  }

  /** Reloads the cache whenever another connection has committed; call `stop()` to end it. */
  watch(intervalMs = 250): void {
    this.timer = setInterval(() => this.refresh(), intervalMs);
    this.timer.unref();
  }

  refresh(): void {
    const version = this.db.pragma("data_version", { simple: true }) as number;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.load();
  }

  private load(): void {
    const rows = this.db
      .prepare("SELECT id, name, token, secret, timezone FROM projects")
      .all() as ProjectRow[];
    const byToken = new Map<string, Project>();
    const bySecret = new Map<string, Project>();
    const byId = new Map<number, Project>();
    for (const r of rows) {
      const p: Project = Object.freeze({
        id: r.id,
        name: r.name,
        token: r.token,
        secret: r.secret,
        timeZone: r.timezone,
      });
      byToken.set(p.token, p);
      bySecret.set(p.secret, p);
      byId.set(p.id, p);
    }
    const accounts = new Map<string, ServiceAccount>();
    const accountRows = this.db
      .prepare("SELECT username, secret, project_id AS projectId FROM service_accounts")
      .all() as { username: string; secret: string; projectId: number }[];
    for (const a of accountRows) accounts.set(a.username, { secret: a.secret, projectId: a.projectId });
    this.byTokenMap = byToken;
    this.bySecretMap = bySecret;
    this.byIdMap = byId;
    this.accounts = accounts;
  }

  add(p: NewProject): Project {
    checkNewProject(p);
    const token = p.token ?? randomBytes(16).toString("hex");
    const secret = p.secret ?? randomBytes(16).toString("hex");
    const timeZone = p.timeZone ?? "UTC";
    try {
      const info = this.db
        .prepare("INSERT INTO projects (name, token, secret, timezone, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(p.name, token, secret, timeZone, Date.now());
      this.load();
      return this.byIdMap.get(Number(info.lastInsertRowid))!;
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed: projects\.(token|secret)/.test(err.message)) {
        const field = err.message.includes("token") ? "token" : "secret";
        throw new ProjectError(field, `that ${field} belongs to another project`);
      }
      throw err;
    }
  }

  /** A service account authenticates as `username:secret` for one project. */
  addServiceAccount(username: string, projectId: number): { username: string; secret: string } {
    if (!this.byIdMap.has(projectId)) throw new ProjectError("project_id", `no project ${projectId}`);
    const secret = randomBytes(16).toString("hex");
    this.db
      .prepare("INSERT INTO service_accounts (username, secret, project_id) VALUES (?, ?, ?)")
      .run(username, secret, projectId);
    this.load();
    return { username, secret };
  }

  list(): Project[] {
    return [...this.byIdMap.values()].sort((a, b) => a.id - b.id);
  }

  byToken(token: string): Project | undefined {
    return this.byTokenMap.get(token);
  }

  /**
   * Ids come from queued records, which another thread or process accepted with its own copy of
   * the registry: an id not known here is a project that copy saw first, so look again before
   * calling it unknown (the processor would otherwise drop its events). Projects are never removed.
   */
  byId(id: number): Project | undefined {
    const found = this.byIdMap.get(id);
    if (found !== undefined) return found;
    this.refresh();
    return this.byIdMap.get(id);
  }

  authenticate(user: string, password: string, projectId: number | undefined): Project | undefined {
    if (password === "") {
      const p = this.bySecretMap.get(user);
      return p !== undefined && (projectId === undefined || projectId === p.id) ? p : undefined;
    }
    const account = this.accounts.get(user);
    if (account === undefined || projectId === undefined || account.projectId !== projectId) return undefined;
    return sameSecret(account.secret, password) ? this.byIdMap.get(projectId) : undefined;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.db.close();
  }
}
