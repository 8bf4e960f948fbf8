// Every SQLite database Tally keeps (projects, identity, profiles) is opened the same way. WAL lets
// readers in other threads and processes (`tally project add` beside a running server) go on while
// one writes. `synchronous = FULL` because better-sqlite3 builds SQLite with WAL's default lowered
// to NORMAL, under which a commit is written to the WAL but not fsynced: a power loss could undo it
// after the processor has committed its queue offset past the records it came from, and those
// records would never be replayed. FULL fsyncs the WAL at every commit; the processor commits a
// few times a second, not once a record.

import Database from "better-sqlite3";

/**
 * A read-only connection of its own to a database another connection writes: a read transaction
 * on it sees one snapshot however long it lasts (WAL), while the writer goes on.
 */
export function openSnapshotReader(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}

export function openDurableDatabase(file: string, options: Database.Options = {}): Database.Database {
  const db = new Database(file, options);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  return db;
}
