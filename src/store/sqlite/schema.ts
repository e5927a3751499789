import type Database from 'better-sqlite3';
import { NOTE_POSTING_EVENTS, REPORT_POSTING_EVENTS } from '../messages';

/*
 * The SQLite store's schema, one migration per step: tables by concern — seen and jobs (JobStore),
 * dead (DeadLetterStore), lane_pauses (JobStore.pauseLane), sink_pauses (PauseStore), instances,
 * recent_events, messages (MessageStore), audit and claims.
 */

/** index = user_version the step upgrades from */
const MIGRATIONS = [
  `
  CREATE TABLE seen (
    source TEXT NOT NULL,
    eventId TEXT NOT NULL,
    seenAt INTEGER NOT NULL,
    PRIMARY KEY (source, eventId)
  ) WITHOUT ROWID;
  CREATE INDEX seen_by_time ON seen (seenAt);

  -- seq (the rowid) keeps insertion order; id is the job's own unique key
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    lane TEXT NOT NULL,
    sink TEXT NOT NULL,
    data TEXT NOT NULL,
    createdAt INTEGER NOT NULL,
    availableAt INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    history TEXT NOT NULL,
    leasedUntil INTEGER,
    -- the lease group (Job.batch)
    batch TEXT
  );
  CREATE INDEX jobs_due ON jobs (lane, availableAt);
  -- a lane's jobs in FIFO order, with availableAt to skip those not due without reading the rows
  CREATE INDEX jobs_fifo ON jobs (lane, seq, availableAt);
  -- covers stats() so it never reads the (large) rows
  CREATE INDEX jobs_stats ON jobs (lane, sink, createdAt);
  CREATE INDEX jobs_leased ON jobs (lane, leasedUntil) WHERE leasedUntil IS NOT NULL;
  CREATE INDEX jobs_batch ON jobs (batch) WHERE batch IS NOT NULL;

  CREATE TABLE dead (
    id TEXT PRIMARY KEY,
    lane TEXT NOT NULL,
    sink TEXT NOT NULL,
    data TEXT NOT NULL,
    createdAt INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    history TEXT NOT NULL,
    batch TEXT,
    error TEXT NOT NULL,
    failedAt INTEGER NOT NULL
  );
  CREATE INDEX dead_by_sink ON dead (sink);

  -- no job of the lane is due before \`until\` (JobStore.pauseLane); one row per lane, kept when it ends
  CREATE TABLE lane_pauses (
    lane TEXT PRIMARY KEY,
    until INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- sinks held by an operator (PauseStore) until resumed
  CREATE TABLE sink_pauses (
    sink TEXT PRIMARY KEY,
    since INTEGER NOT NULL,
    by TEXT
  ) WITHOUT ROWID;
  -- dueLanes walks the distinct (lane, sink) pairs and counts each running pair's due jobs here
  CREATE INDEX jobs_sink_due ON jobs (lane, sink, availableAt);
  `,
  `
  -- bridge processes using the store (InstanceStore); data is the InstanceInfo as JSON
  CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    heartbeatAt INTEGER NOT NULL,
    data TEXT NOT NULL
  ) WITHOUT ROWID;
  -- the last RECENT_EVENTS accepted events (RecentEvents; of a commit, the newest of each
  -- type): a ring, slot = seq % RECENT_EVENTS; data is the first job's data column, the event included
  CREATE TABLE recent_events (
    slot INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  -- the message map (MessageStore): the platform message a sink made for a note or report
  CREATE TABLE messages (
    source TEXT NOT NULL,
    subject TEXT NOT NULL,
    sink TEXT NOT NULL,
    ref TEXT NOT NULL,
    expiresAt INTEGER NOT NULL,
    PRIMARY KEY (source, subject, sink)
  ) WITHOUT ROWID;
  CREATE INDEX messages_by_expiry ON messages (expiresAt);
  `,
  `
  -- one index serves dueLanes (lane, sink, availableAt) and stats (its createdAt): two fewer to keep
  -- up on every insert, lease and ack
  DROP INDEX jobs_due;
  DROP INDEX jobs_stats;
  DROP INDEX jobs_sink_due;
  CREATE INDEX jobs_sink_due ON jobs (lane, sink, availableAt, createdAt);
  -- moderation from chat: the audit log (AuditStore), data is the AuditEntry as JSON
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  -- interactions and actions already taken (ClaimStore), until they expire
  CREATE TABLE claims (
    key TEXT PRIMARY KEY,
    expiresAt INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- the note or report a job's message stands for (subjectOf), so that holdsMessage finds a
  -- waiting parent through an index instead of reading every job of the lane
  ALTER TABLE jobs ADD COLUMN subject TEXT GENERATED ALWAYS AS (${subjectSql('data')}) VIRTUAL;
  CREATE INDEX jobs_subject ON jobs (lane, sink, subject) WHERE subject IS NOT NULL;
  `,
  `
  -- leases that ran out without a verdict (Job.lapses): a job that keeps taking its worker down is dead-lettered
  ALTER TABLE jobs ADD COLUMN lapses INTEGER NOT NULL DEFAULT 0;
  `,
];

export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`store database has schema version ${version}, newer than this program knows (${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** subjectOf (../messages.ts) as an SQL expression over a job's data column, from the same lists */
function subjectSql(data: string): string {
  const list = (events: readonly string[]) => events.map((event) => `'${event}'`).join(', ');
  const subject = (events: readonly string[], field: string) =>
    `WHEN json_extract(${data}, '$.event') IN (${list(events)}) AND json_type(${data}, '$.payload.${field}.id') = 'text'
      THEN '${field}:' || json_extract(${data}, '$.payload.${field}.id')`;
  return `CASE ${subject(NOTE_POSTING_EVENTS, 'note')} ${subject(REPORT_POSTING_EVENTS, 'report')} END`;
}

