import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../store';
import { SqliteAudit, SqliteClaims } from './audit';
import { SqliteDeadLetters } from './dead-letters';
import { SqliteInstances } from './instances';
import { SqliteJobs } from './jobs';
import { SqliteMessages } from './messages';
import { SqliteMigration } from './migration';
import { SqlitePauses } from './pauses';
import { SqliteRecentEvents } from './recent';
import { guard } from './rows';
import { migrate } from './schema';

export interface SqliteStoreOptions {
  /** a file, or `:memory:` (tests) */
  path: string;
  /** `full` also syncs the WAL on every commit: survives power loss, not only a crash; slower */
  sync?: 'normal' | 'full';
  /**
   * how long a write waits for a lock before the store counts as unavailable; default 1000. The
   * wait blocks the process (better-sqlite3 is synchronous).
   */
  busyTimeoutMs?: number;
  /**
   * leave leases alone on open: for a command run beside a `serve` that owns the file (by default
   * opening clears them, as the process that took them is gone)
   */
  keepLeases?: boolean;
}

/** The SQLite store, with its connection: for state kept beside it in the same file, and for tests. */
export type SqliteStore = Store & { readonly connection: Database.Database };

/**
 * Opens or creates the store. One serving process owns the file: the leases a dead one left are
 * taken over at once (cleared), unless `keepLeases` (a command beside the running process) or
 * another serving process still runs (its heartbeat is recent and, on this host, its pid lives).
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (options.path !== ':memory:') ownerOnly(options.path);
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 1000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    migrate(db);
    const store = sqliteStore(db);
    if (!options.keepLeases && !store.instances.anotherAlive(Date.now())) store.jobs.clearLeases();
    return store;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The store holds direct notes, report comments and the audit log: its folder is created 0700 and
 * the file 0600 (SQLite gives the -wal and -shm files the mode of the database file).
 */
function ownerOnly(file: string): void {
  const folder = path.dirname(path.resolve(file));
  if (!fs.existsSync(folder)) fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
}

function sqliteStore(db: Database.Database) {
  const recent = new SqliteRecentEvents(db);
  const pauses = new SqlitePauses(db);
  // taking the write lock proves writes are possible without writing anything
  const nothing = db.transaction(() => undefined);
  return {
    connection: db,
    jobs: new SqliteJobs(db, recent),
    deadLetters: new SqliteDeadLetters(db),
    pauses,
    messages: new SqliteMessages(db),
    audit: new SqliteAudit(db),
    claims: new SqliteClaims(db),
    instances: new SqliteInstances(db),
    recent,
    migration: new SqliteMigration(db, pauses),
    ping: async () => guard(db, () => nothing.immediate()),
    close: async () => {
      db.close();
    },
  } satisfies SqliteStore;
}
