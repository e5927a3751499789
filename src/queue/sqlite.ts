import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  DUE_COUNT_CAP,
  INSTANCE_FORGET_MS,
  isInstanceAlive,
  processAlive,
  RECENT_EVENTS,
  StoreUnavailableError,
  type Attempt,
  type DeadLetter,
  type DeadLetterSelector,
  type DueLane,
  type Hold,
  type Job,
  type LaneStats,
  type NewJob,
  type Queue,
  type InstanceInfo,
  type SinkPause,
  type StoreRecord,
} from './queue';
import type { Event } from '../normalize/event';
import { AUDIT_KEEP, type AuditEntry } from './audit';
import { NOTE_POSTING_EVENTS, REPORT_POSTING_EVENTS, type MessageKey } from './message-map';
import type { MessageRef } from '../sinks/sink';

export interface SqliteQueueOptions {
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

const SEEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** how long an accept waits for others to share its commit */
const ACCEPT_GATHER_MS = 1;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** codes meaning "cannot write right now": the caller answers 503 and Misskey retries */
const UNAVAILABLE_CODE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN)/;

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

  -- no job of the lane is due before \`until\` (Queue.pauseLane); one row per lane, kept when it ends
  CREATE TABLE lane_pauses (
    lane TEXT PRIMARY KEY,
    until INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- sinks held by an operator (Queue.pauseSink) until resumed
  CREATE TABLE sink_pauses (
    sink TEXT PRIMARY KEY,
    since INTEGER NOT NULL,
    by TEXT
  ) WITHOUT ROWID;
  -- dueLanes walks the distinct (lane, sink) pairs and counts each running pair's due jobs here
  CREATE INDEX jobs_sink_due ON jobs (lane, sink, availableAt);
  `,
  `
  -- bridge processes using the store (Queue.heartbeat); data is the InstanceInfo as JSON
  CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    heartbeatAt INTEGER NOT NULL,
    data TEXT NOT NULL
  ) WITHOUT ROWID;
  -- the last RECENT_EVENTS accepted events (Queue.recentEvents; of a commit, the newest of each
  -- type): a ring, slot = seq % RECENT_EVENTS; data is the first job's data column, the event included
  CREATE TABLE recent_events (
    slot INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  -- the message map (Queue.recordMessage): the platform message a sink made for a note or report
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
  -- moderation from chat: the audit log (Queue.audit), data is the AuditEntry as JSON
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  -- interactions and actions already taken (Queue.claim), until they expire
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
];

interface PendingAccept {
  source: string;
  eventId: string;
  jobs: NewJob[];
  now: number;
  resolve: (result: 'stored' | 'duplicate') => void;
  reject: (error: unknown) => void;
}

/** the job fields without a column of their own */
type JobData = Pick<NewJob, 'source' | 'eventId' | 'event' | 'route' | 'template' | 'payload' | 'hold'>;

interface JobRow {
  id: string;
  lane: string;
  sink: string;
  data: string;
  createdAt: number;
  availableAt: number;
  attempts: number;
  history: string;
  batch: string | null;
}

interface DeadRow extends Omit<JobRow, 'availableAt'> {
  error: string;
  failedAt: number;
}

const JOB_COLUMNS = 'id, lane, sink, data, createdAt, availableAt, attempts, history, batch';
const DEAD_COLUMNS = 'id, lane, sink, data, createdAt, attempts, history, batch, error, failedAt';

function toJob(row: JobRow): Job {
  const data = JSON.parse(row.data) as JobData;
  return {
    ...data,
    id: row.id,
    lane: row.lane,
    sink: row.sink,
    createdAt: row.createdAt,
    availableAt: row.availableAt,
    attempts: row.attempts,
    history: JSON.parse(row.history) as Attempt[],
    batch: row.batch,
  };
}

/** a dead letter is not scheduled: it becomes due when retried */
function toDeadLetter(row: DeadRow): DeadLetter {
  return { ...toJob({ ...row, availableAt: row.failedAt }), error: row.error, failedAt: row.failedAt };
}

function prepareStatements(db: Database.Database) {
  return {
    markSeen: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO seen (source, eventId, seenAt) VALUES (?, ?, ?)'),
    pruneSeen: db.prepare<[number]>('DELETE FROM seen WHERE seenAt < ?'),
    // a held job (Hold) is due at its summary's time, already in the summary's group
    // positional: binding an object's properties by name costs more than the insert of a small row
    insertJob: db.prepare<[id: string, lane: string, sink: string, data: string, now: number, availableAt: number, batch: string | null]>(
      `INSERT OR IGNORE INTO jobs (id, lane, sink, data, createdAt, availableAt, attempts, history, batch)
       VALUES (?, ?, ?, ?, ?, ?, 0, '[]', ?)`,
    ),
    // walks the distinct (lane, sink) pairs by index seeks (a few per pair, never a scan of all
    // jobs), so that a paused sink's pairs are passed over without counting their jobs; a lane
    // is skipped while one of its jobs is out (leasedUntil >= now): one send at a time, in order.
    // Each count stops at the cap so that a long backlog costs no more than a short one.
    dueLanes: db.prepare<{ now: number; cap: number }, DueLane>(
      `WITH RECURSIVE pairs (lane, sink) AS (
         -- a row with a NULL sink stands before the lane's first sink; each step is one index seek
         SELECT MIN(lane), NULL FROM jobs
         UNION ALL
         SELECT
           CASE WHEN pairs.sink IS NULL OR EXISTS (SELECT 1 FROM jobs WHERE lane = pairs.lane AND sink > pairs.sink)
             THEN pairs.lane ELSE (SELECT MIN(lane) FROM jobs WHERE lane > pairs.lane) END,
           CASE WHEN pairs.sink IS NULL THEN (SELECT MIN(sink) FROM jobs WHERE lane = pairs.lane)
             ELSE (SELECT MIN(sink) FROM jobs WHERE lane = pairs.lane AND sink > pairs.sink) END
         FROM pairs WHERE pairs.lane IS NOT NULL
       ),
       -- materialized so that the counts are not evaluated again for the outer query
       counted (lane, due) AS MATERIALIZED (
         SELECT lane, (SELECT COUNT(*) FROM (
           SELECT 1 FROM jobs WHERE jobs.lane = pairs.lane AND jobs.sink = pairs.sink AND availableAt <= :now LIMIT :cap))
         FROM pairs
         WHERE sink IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM sink_pauses WHERE sink_pauses.sink = pairs.sink)
           AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.lane = pairs.lane AND leasedUntil >= :now)
           AND NOT EXISTS (SELECT 1 FROM lane_pauses WHERE lane_pauses.lane = pairs.lane AND until > :now)
       )
       SELECT lane, MIN(SUM(due), :cap) AS due FROM counted GROUP BY lane HAVING SUM(due) > 0`,
    ),
    laneLeased: db.prepare<[string, number]>('SELECT 1 FROM jobs WHERE lane = ? AND leasedUntil >= ? LIMIT 1').pluck(),
    lanePaused: db.prepare<[string, number]>('SELECT 1 FROM lane_pauses WHERE lane = ? AND until > ?').pluck(),
    // a pause is only ever extended
    pauseLane: db.prepare<[string, number]>(
      `INSERT INTO lane_pauses (lane, until) VALUES (?, ?)
       ON CONFLICT (lane) DO UPDATE SET until = MAX(until, excluded.until)`,
    ),
    // the unary + keeps the planner on jobs_fifo, walked in order up to LIMIT, rather than sorting
    // all the lane's due jobs found through jobs_due. Jobs of paused sinks are passed over: a lane
    // only comes here when dueLanes counted a job of a running sink in it
    dueJobs: db.prepare<[string, number, number], JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE lane = ? AND +availableAt <= ?
         AND NOT EXISTS (SELECT 1 FROM sink_pauses WHERE sink_pauses.sink = jobs.sink)
       ORDER BY seq LIMIT ?`,
    ),
    // and here on jobs_batch: a group is small, a lane may be long
    groupJobs: db.prepare<[string, string, number], JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE batch = ? AND +lane = ? AND +availableAt <= ?
         AND NOT EXISTS (SELECT 1 FROM sink_pauses WHERE sink_pauses.sink = jobs.sink)
       ORDER BY seq`,
    ),
    setLease: db.prepare<[number, string, string]>('UPDATE jobs SET leasedUntil = ?, batch = ? WHERE id = ?'),
    // a held job goes back to its summary's group
    release: db.prepare<[number, string]>(
      `UPDATE jobs SET availableAt = ?, leasedUntil = NULL, batch = json_extract(data, '$.hold.group') WHERE id = ?`,
    ),
    clearLeases: db.prepare('UPDATE jobs SET leasedUntil = NULL WHERE leasedUntil IS NOT NULL'),
    deleteJob: db.prepare<[string]>('DELETE FROM jobs WHERE id = ?'),
    reschedule: db.prepare<{ id: string; availableAt: number; error: string; now: number }>(
      `UPDATE jobs SET availableAt = :availableAt, leasedUntil = NULL, attempts = attempts + 1,
         history = json_insert(history, '$[#]', json_object('at', :now, 'error', :error))
       WHERE id = :id`,
    ),
    // the failure that kills a job counts as an attempt too
    bury: db.prepare<{ id: string; error: string; now: number }>(
      `INSERT OR REPLACE INTO dead (${DEAD_COLUMNS})
       SELECT id, lane, sink, data, createdAt, attempts + 1,
         json_insert(history, '$[#]', json_object('at', :now, 'error', :error)), batch, :error, :now
       FROM jobs WHERE id = :id`,
    ),
    deadLetters: db.prepare<[], DeadRow>(`SELECT ${DEAD_COLUMNS} FROM dead ORDER BY rowid`),
    deadLettersOfSink: db.prepare<[string], DeadRow>(`SELECT ${DEAD_COLUMNS} FROM dead WHERE sink = ? ORDER BY rowid`),
    deadIds: db.prepare<[], string>('SELECT id FROM dead ORDER BY rowid').pluck(),
    deadIdsOfSink: db.prepare<[string], string>('SELECT id FROM dead WHERE sink = ? ORDER BY rowid').pluck(),
    // a retried job goes to the back of its lane, as an ordinary job (no longer held for a summary)
    revive: db.prepare<[number, string]>(
      `INSERT OR IGNORE INTO jobs (id, lane, sink, data, createdAt, availableAt, attempts, history)
       SELECT id, lane, sink, json_remove(data, '$.hold'), createdAt, ?, 0, history FROM dead WHERE id = ?`,
    ),
    deleteDead: db.prepare<[string]>('DELETE FROM dead WHERE id = ?'),
    recordRecent: db.prepare<[number, number, string]>('INSERT OR REPLACE INTO recent_events (slot, seq, data) VALUES (?, ?, ?)'),
    recentEvents: db.prepare<[number], string>('SELECT data FROM recent_events ORDER BY seq DESC LIMIT ?').pluck(),
    lastRecentSeq: db.prepare<[], number>('SELECT coalesce(max(seq), 0) FROM recent_events').pluck(),
    // a held job is in a group from the start: the partial index on batch finds them
    pendingHolds: db
      .prepare<[], string>(
        `SELECT json_extract(data, '$.hold') FROM jobs WHERE batch IS NOT NULL AND json_extract(data, '$.hold.group') = batch GROUP BY batch`,
      )
      .pluck(),
    stats: db.prepare<[], LaneStats>(
      `SELECT sink, lane, COUNT(*) AS depth, MIN(createdAt) AS oldestAt FROM jobs GROUP BY lane, sink ORDER BY sink, lane`,
    ),
    // a second pause keeps the first one's time
    pauseSink: db.prepare<[string, number, string | null]>('INSERT OR IGNORE INTO sink_pauses (sink, since, by) VALUES (?, ?, ?)'),
    resumeSink: db.prepare<[string]>('DELETE FROM sink_pauses WHERE sink = ?'),
    pausedSinks: db.prepare<[], { sink: string; since: number; by: string | null }>('SELECT sink, since, by FROM sink_pauses ORDER BY sink'),
    renew: db.prepare<[number, string, number]>('UPDATE jobs SET leasedUntil = ? WHERE id = ? AND leasedUntil >= ?'),
    heartbeat: db.prepare<[string, number, string]>('INSERT OR REPLACE INTO instances (id, heartbeatAt, data) VALUES (?, ?, ?)'),
    forgetSilent: db.prepare<[number]>('DELETE FROM instances WHERE heartbeatAt < ?'),
    instances: db.prepare<[], string>('SELECT data FROM instances ORDER BY heartbeatAt DESC').pluck(),
    forgetInstance: db.prepare<[string]>('DELETE FROM instances WHERE id = ?'),
  };
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`queue database has schema version ${version}, newer than this program knows (${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

export class SqliteQueue implements Queue {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly transactions: ReturnType<SqliteQueue['prepareTransactions']>;
  private lastPruneAt = -Infinity;
  private pending: PendingAccept[] = [];

  private constructor(private readonly db: Database.Database) {
    this.statements = prepareStatements(db);
    this.transactions = this.prepareTransactions();
    this.recentSeq = this.statements.lastRecentSeq.get()!;
  }

  /**
   * Opens or creates the store. One serving process owns the file: the leases a dead one left are
   * taken over at once (cleared), unless `keepLeases` (a command beside the running process) or
   * another serving process still runs (its heartbeat is recent and, on this host, its pid lives).
   */
  static open(options: SqliteQueueOptions): SqliteQueue {
    fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 1000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
      migrate(db);
      const queue = new SqliteQueue(db);
      if (!options.keepLeases && !queue.anotherInstanceAlive(Date.now())) queue.statements.clearLeases.run();
      return queue;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Accepts that arrive within ACCEPT_GATHER_MS share one transaction (one commit, one sync):
   * each still resolves only once its event is committed.
   */
  accept(source: string, eventId: string, jobs: NewJob[], now: number): Promise<'stored' | 'duplicate'> {
    return new Promise((resolve, reject) => {
      this.pending.push({ source, eventId, jobs, now, resolve, reject });
      // a millisecond gathers the accepts of a busy moment into one commit; a quiet one waits just that
      if (this.pending.length === 1) setTimeout(() => this.commitPending(), ACCEPT_GATHER_MS);
    });
  }

  private commitPending(): void {
    const batch = this.pending;
    this.pending = [];
    const now = Math.max(...batch.map((accept) => accept.now));
    const prune = now - this.lastPruneAt >= PRUNE_EVERY_MS;
    let results: ('stored' | 'duplicate')[];
    try {
      results = this.guard(() => this.transactions.accept.immediate(batch, prune));
    } catch (error) {
      for (const accept of batch) accept.reject(error);
      return;
    }
    if (prune) this.lastPruneAt = now;
    batch.forEach((accept, i) => accept.resolve(results[i]!));
  }

  async dueLanes(now: number): Promise<DueLane[]> {
    return this.statements.dueLanes.all({ now, cap: DUE_COUNT_CAP });
  }

  async lease(lane: string, now: number, max: number, leaseMs: number): Promise<Job[]> {
    return this.transactions.lease.immediate(lane, now, max, leaseMs);
  }

  async pauseLane(lane: string, until: number): Promise<void> {
    this.statements.pauseLane.run(lane, until);
  }

  async release(jobs: Job[], availableAt: number): Promise<void> {
    this.transactions.release(jobs, availableAt);
  }

  async ack(jobs: Job[]): Promise<void> {
    this.transactions.ack(jobs.map((job) => job.id));
  }

  async reschedule(job: Job, availableAt: number, error: string, now: number): Promise<void> {
    this.statements.reschedule.run({ id: job.id, availableAt, error, now });
  }

  async deadLetter(job: Job, error: string, now: number): Promise<void> {
    this.transactions.deadLetter(job.id, error, now);
  }

  async deadLetters(sink?: string): Promise<DeadLetter[]> {
    const s = this.statements;
    const rows = sink === undefined ? s.deadLetters.all() : s.deadLettersOfSink.all(sink);
    return rows.map(toDeadLetter);
  }

  async retryDead(selector: DeadLetterSelector, now: number): Promise<number> {
    return this.transactions.retryDead(selector, now);
  }

  async dropDead(selector: DeadLetterSelector): Promise<number> {
    return this.transactions.dropDead(selector);
  }

  async stats(): Promise<LaneStats[]> {
    return this.statements.stats.all();
  }

  async ping(): Promise<void> {
    // taking the write lock proves writes are possible without writing anything
    this.guard(() => this.transactions.nothing.immediate());
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async pauseSink(sink: string, now: number, by?: string): Promise<void> {
    this.guard(() => this.statements.pauseSink.run(sink, now, by ?? null));
  }

  async resumeSink(sink: string): Promise<void> {
    this.guard(() => this.statements.resumeSink.run(sink));
  }

  async pausedSinks(): Promise<SinkPause[]> {
    return this.statements.pausedSinks.all().map(({ sink, since, by }) => (by === null ? { sink, since } : { sink, since, by }));
  }

  async renew(jobs: Job[], now: number, leasedUntil: number): Promise<boolean> {
    return this.guard(() => this.transactions.renew(jobs, now, leasedUntil));
  }

  async heartbeat(instance: InstanceInfo): Promise<void> {
    this.guard(() => this.transactions.heartbeat(instance));
  }

  async instances(): Promise<InstanceInfo[]> {
    return this.statements.instances.all().map((data) => JSON.parse(data) as InstanceInfo);
  }

  async forgetInstance(id: string): Promise<void> {
    this.guard(() => this.statements.forgetInstance.run(id));
  }

  private prepareTransactions() {
    const s = this.statements;
    return {
      accept: this.db.transaction((batch: PendingAccept[], prune: boolean) => {
        if (prune) s.pruneSeen.run(Math.max(...batch.map((accept) => accept.now)) - SEEN_TTL_MS);
        // the recent-events ring gets the newest event of each type a commit stores: all of them when
        // webhooks come one at a time, a sample of each kind when a burst shares a commit
        const recent = new Map<string, string>();
        const results = batch.map(({ source, eventId, jobs, now }) => {
          if (s.markSeen.run(source, eventId, now).changes === 0) return 'duplicate' as const;
          for (const job of jobs) {
            const json = JSON.stringify(jobData(job));
            // a held job is due when its summary is, already in the summary's group
            s.insertJob.run(job.id, job.lane, job.sink, json, now, job.hold?.until ?? now, job.hold?.group ?? null);
            if (job === jobs[0]) {
              recent.delete(job.event);
              recent.set(job.event, json);
            }
          }
          return 'stored' as const;
        });
        for (const json of recent.values()) {
          this.recentSeq += 1;
          s.recordRecent.run(this.recentSeq % RECENT_EVENTS, this.recentSeq, json);
        }
        return results;
      }),
      lease: this.db.transaction((lane: string, now: number, max: number, leaseMs: number) => {
        if (s.laneLeased.get(lane, now) !== undefined || s.lanePaused.get(lane, now) !== undefined) return [];
        let rows = s.dueJobs.all(lane, now, Math.max(max, 1));
        const group = rows[0]?.batch ?? null;
        if (group !== null) rows = s.groupJobs.all(group, lane, now);
        else {
          // a fresh group stops at a job that already belongs to another group
          const end = rows.findIndex((row) => row.batch !== null);
          rows = rows.slice(0, Math.min(max, end === -1 ? rows.length : end));
        }
        const batch = group ?? rows[0]?.id;
        if (batch === undefined) return [];
        for (const row of rows) {
          s.setLease.run(now + leaseMs, batch, row.id);
          row.batch = batch;
        }
        return rows.map(toJob);
      }),
      release: this.db.transaction((jobs: Job[], availableAt: number) => {
        for (const job of jobs) s.release.run(availableAt, job.id);
      }),
      ack: this.db.transaction((ids: string[]) => {
        for (const id of ids) s.deleteJob.run(id);
      }),
      deadLetter: this.db.transaction((id: string, error: string, now: number) => {
        if (s.bury.run({ id, error, now }).changes > 0) s.deleteJob.run(id);
      }),
      retryDead: this.db.transaction((selector: DeadLetterSelector, now: number) => {
        let moved = 0;
        for (const id of this.selectDead(selector)) {
          s.revive.run(now, id);
          moved += s.deleteDead.run(id).changes;
        }
        return moved;
      }),
      dropDead: this.db.transaction((selector: DeadLetterSelector) => {
        let dropped = 0;
        for (const id of this.selectDead(selector)) dropped += s.deleteDead.run(id).changes;
        return dropped;
      }),
      nothing: this.db.transaction(() => undefined),
      renew: this.db.transaction((jobs: Job[], now: number, leasedUntil: number) => {
        let renewed = 0;
        for (const job of jobs) renewed += s.renew.run(leasedUntil, job.id, now).changes;
        return renewed === jobs.length;
      }),
      heartbeat: this.db.transaction((instance: InstanceInfo) => {
        s.forgetSilent.run(instance.heartbeatAt - INSTANCE_FORGET_MS);
        s.heartbeat.run(instance.id, instance.heartbeatAt, JSON.stringify(instance));
      }),
    };
  }

  private anotherInstanceAlive(now: number): boolean {
    const host = os.hostname();
    return this.statements.instances.all().some((data) => isInstanceAlive(JSON.parse(data) as InstanceInfo, now, host, processAlive));
  }

  async pendingHolds(): Promise<Hold[]> {
    return this.statements.pendingHolds.all().map((hold) => JSON.parse(hold) as Hold);
  }

  private selectDead(selector: DeadLetterSelector): string[] {
    if ('ids' in selector) return [...new Set(selector.ids)];
    if ('sink' in selector) return this.statements.deadIdsOfSink.all(selector.sink);
    return this.statements.deadIds.all();
  }

  private messageStatements: ReturnType<typeof prepareMessageStatements> | undefined;

  private get messageSql(): ReturnType<typeof prepareMessageStatements> {
    this.messageStatements ??= prepareMessageStatements(this.db);
    return this.messageStatements;
  }

  async recordMessage(key: MessageKey, ref: MessageRef, now: number, keepMs: number): Promise<void> {
    this.messageSql.record.run({ ...key, ref: JSON.stringify(ref), expiresAt: now + keepMs });
  }

  async findMessage(key: MessageKey, now: number): Promise<MessageRef | null> {
    const ref = this.messageSql.find.get({ ...key, now });
    return ref === undefined ? null : (JSON.parse(ref) as MessageRef);
  }

  async holdsMessage(lane: string, key: MessageKey, exceptJobId: string): Promise<boolean> {
    return this.messageSql.holds.get({ lane, sink: key.sink, source: key.source, subject: key.subject, except: exceptJobId }) !== undefined;
  }

  async pruneMessages(now: number): Promise<number> {
    return this.messageSql.prune.run(now).changes;
  }

  private claimsPrunedAt = -Infinity;
  private moderationStatements: ReturnType<typeof prepareModerationStatements> | undefined;

  private get moderationSql(): ReturnType<typeof prepareModerationStatements> {
    this.moderationStatements ??= prepareModerationStatements(this.db);
    return this.moderationStatements;
  }

  async audit(entry: AuditEntry): Promise<void> {
    const sql = this.moderationSql;
    this.guard(() =>
      this.db.transaction(() => {
        const { lastInsertRowid } = sql.audit.run(entry.at, JSON.stringify(entry));
        if (Number(lastInsertRowid) % 1000 === 0) sql.trimAudit.run(AUDIT_KEEP);
      })(),
    );
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    return this.moderationSql.auditLog.all(limit).map((data) => JSON.parse(data) as AuditEntry);
  }

  async claim(key: string, now: number, ttlMs: number): Promise<boolean> {
    const sql = this.moderationSql;
    return this.guard(() => {
      if (now - this.claimsPrunedAt >= 3_600_000) {
        this.claimsPrunedAt = now;
        sql.pruneClaims.run(now);
      }
      return sql.claim.run({ key, now, expiresAt: now + ttlMs }).changes > 0;
    });
  }

  async unclaim(key: string): Promise<void> {
    this.guard(() => this.moderationSql.unclaim.run(key));
  }

  /** runs a write, turning "cannot write right now" failures into StoreUnavailableError */
  private guard<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (!this.db.open || (typeof code === 'string' && UNAVAILABLE_CODE.test(code))) {
        throw new StoreUnavailableError(`queue store cannot take writes: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  /** the last seq given to a recent event; a rolled-back accept only leaves a gap */
  private recentSeq: number;

  async recentEvents(limit: number): Promise<Event[]> {
    if (limit <= 0) return [];
    const rows = this.statements.recentEvents.all(Math.min(limit, RECENT_EVENTS));
    return rows.map((data) => (JSON.parse(data) as JobData).payload);
  }

  private moveStatements: ReturnType<typeof prepareMoveStatements> | undefined;

  private get moveSql(): ReturnType<typeof prepareMoveStatements> {
    this.moveStatements ??= prepareMoveStatements(this.db);
    return this.moveStatements;
  }

  /** each page is one keyset query: reading never holds the write lock */
  async *snapshot(now: number, pageSize: number): AsyncIterable<StoreRecord[]> {
    const m = this.moveSql;
    const limit = Math.max(1, pageSize);
    const sinkPauses = await this.pausedSinks();
    for (let i = 0; i < sinkPauses.length; i += limit) {
      yield sinkPauses.slice(i, i + limit).map((pause) => ({ kind: 'sink-pause', pause }));
    }
    const lanePauses = m.lanePauses.all(now);
    for (let i = 0; i < lanePauses.length; i += limit) {
      yield lanePauses.slice(i, i + limit).map(({ lane, until }) => ({ kind: 'lane-pause', lane, until }));
    }
    for (let page = m.messagesFirst.all(now, limit); page.length > 0; ) {
      yield page.map(({ source, subject, sink, ref, expiresAt }) => ({
        kind: 'message',
        key: { source, subject, sink },
        ref: JSON.parse(ref) as MessageRef,
        expiresAt,
      }));
      const last = page[page.length - 1]!;
      page = m.messagesAfter.all(now, last.source, last.subject, last.sink, limit);
    }
    const seenSince = now - SEEN_TTL_MS;
    for (let page = m.seenFirst.all(seenSince, limit); page.length > 0; ) {
      yield page.map(({ source, eventId, seenAt }) => ({ kind: 'seen', source, eventId, seenAt }));
      const last = page[page.length - 1]!;
      page = m.seenAfter.all(seenSince, last.source, last.eventId, limit);
    }
    for (let page = m.dead.all(0, limit); page.length > 0; page = m.dead.all(page[page.length - 1]!.rowid, limit)) {
      yield page.map((row) => ({ kind: 'dead', letter: toDeadLetter(row) }));
    }
    for (let page = m.jobs.all(0, limit); page.length > 0; page = m.jobs.all(page[page.length - 1]!.seq, limit)) {
      yield page.map((row) => ({ kind: 'job', job: toJob(row) }));
    }
  }

  /** one transaction: a page is written whole or not at all */
  async restore(records: StoreRecord[], now: number): Promise<boolean[]> {
    this.restoreTransaction ??= this.db.transaction((records: StoreRecord[], now: number) => records.map((record) => this.restoreOne(record, now)));
    const restore = this.restoreTransaction;
    return this.guard(() => restore.immediate(records, now));
  }

  private restoreTransaction: Database.Transaction<(records: StoreRecord[], now: number) => boolean[]> | undefined;

  private restoreOne(record: StoreRecord, now: number): boolean {
    const m = this.moveSql;
    const s = this.statements;
    switch (record.kind) {
      case 'sink-pause':
        return s.pauseSink.run(record.pause.sink, record.pause.since, record.pause.by ?? null).changes > 0;
      case 'lane-pause': {
        const until = m.laneUntil.get(record.lane);
        if (until !== undefined && until >= record.until) return false;
        s.pauseLane.run(record.lane, record.until);
        return true;
      }
      case 'message': {
        if (record.expiresAt < now) return false;
        const { source, subject, sink } = record.key;
        return m.insertMessage.run(source, subject, sink, JSON.stringify(record.ref), record.expiresAt).changes > 0;
      }
      case 'seen':
        if (record.seenAt < now - SEEN_TTL_MS) return false;
        return s.markSeen.run(record.source, record.eventId, record.seenAt).changes > 0;
      case 'dead': {
        const letter = record.letter;
        if (m.known.get(letter.id, letter.id) !== undefined) return false;
        m.insertDead.run({ ...columns(letter), error: letter.error, failedAt: letter.failedAt });
        return true;
      }
      case 'job': {
        const job = record.job;
        if (m.known.get(job.id, job.id) !== undefined) return false;
        m.insertJob.run({ ...columns(job), availableAt: job.availableAt });
        return true;
      }
    }
  }
}

/** the job fields kept in its data column */
function jobData(job: NewJob): JobData {
  const { source, eventId, event, route, template, payload, hold } = job;
  return { source, eventId, event, route, template, payload, ...(hold ? { hold } : {}) };
}

/** the columns jobs and dead letters share */
function columns(job: Job) {
  const data = jobData(job);
  return {
    id: job.id,
    lane: job.lane,
    sink: job.sink,
    data: JSON.stringify(data),
    createdAt: job.createdAt,
    attempts: job.attempts,
    history: JSON.stringify(job.history),
    batch: job.batch,
  };
}

type Columns = ReturnType<typeof columns>;

interface MessageRow {
  source: string;
  subject: string;
  sink: string;
  ref: string;
  expiresAt: number;
}

function prepareMoveStatements(db: Database.Database) {
  return {
    lanePauses: db.prepare<[number], { lane: string; until: number }>('SELECT lane, until FROM lane_pauses WHERE until > ? ORDER BY lane'),
    laneUntil: db.prepare<[string], number>('SELECT until FROM lane_pauses WHERE lane = ?').pluck(),
    // keyset pages, two queries each, so that the first page needs no key smaller than every other
    messagesFirst: db.prepare<[number, number], MessageRow>(
      'SELECT source, subject, sink, ref, expiresAt FROM messages WHERE expiresAt >= ? ORDER BY source, subject, sink LIMIT ?',
    ),
    messagesAfter: db.prepare<[number, string, string, string, number], MessageRow>(
      `SELECT source, subject, sink, ref, expiresAt FROM messages
       WHERE expiresAt >= ? AND (source, subject, sink) > (?, ?, ?) ORDER BY source, subject, sink LIMIT ?`,
    ),
    seenFirst: db.prepare<[number, number], { source: string; eventId: string; seenAt: number }>(
      'SELECT source, eventId, seenAt FROM seen WHERE seenAt >= ? ORDER BY source, eventId LIMIT ?',
    ),
    seenAfter: db.prepare<[number, string, string, number], { source: string; eventId: string; seenAt: number }>(
      'SELECT source, eventId, seenAt FROM seen WHERE seenAt >= ? AND (source, eventId) > (?, ?) ORDER BY source, eventId LIMIT ?',
    ),
    dead: db.prepare<[number, number], DeadRow & { rowid: number }>(`SELECT rowid, ${DEAD_COLUMNS} FROM dead WHERE rowid > ? ORDER BY rowid LIMIT ?`),
    jobs: db.prepare<[number, number], JobRow & { seq: number }>(`SELECT seq, ${JOB_COLUMNS} FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?`),
    known: db.prepare<[string, string]>('SELECT 1 FROM jobs WHERE id = ? UNION ALL SELECT 1 FROM dead WHERE id = ?').pluck(),
    insertMessage: db.prepare<[string, string, string, string, number]>(
      'INSERT OR IGNORE INTO messages (source, subject, sink, ref, expiresAt) VALUES (?, ?, ?, ?, ?)',
    ),
    // appended: seq (the rowid) comes after every job's
    insertJob: db.prepare<Columns & { availableAt: number }>(
      `INSERT INTO jobs (id, lane, sink, data, createdAt, availableAt, attempts, history, batch)
       VALUES (:id, :lane, :sink, :data, :createdAt, :availableAt, :attempts, :history, :batch)`,
    ),
    insertDead: db.prepare<Columns & { error: string; failedAt: number }>(
      `INSERT INTO dead (${DEAD_COLUMNS}) VALUES (:id, :lane, :sink, :data, :createdAt, :attempts, :history, :batch, :error, :failedAt)`,
    ),
  };
}

/**
 * recentEvents read from a store file another process owns (opening it as a queue would clear
 * that process's leases): read-only, nothing when the file or the table is not there yet.
 */
export function readRecentEvents(file: string, limit: number): Event[] {
  if (!fs.existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'recent_events'").get();
    if (table === undefined) return [];
    const rows = db.prepare<[number], string>('SELECT data FROM recent_events ORDER BY seq DESC LIMIT ?').pluck().all(Math.max(0, Math.min(limit, RECENT_EVENTS)));
    return rows.map((data) => (JSON.parse(data) as JobData).payload);
  } finally {
    db.close();
  }
}

function prepareModerationStatements(db: Database.Database) {
  return {
    audit: db.prepare<[number, string]>('INSERT INTO audit (at, data) VALUES (?, ?)'),
    trimAudit: db.prepare<[number]>('DELETE FROM audit WHERE seq <= (SELECT max(seq) FROM audit) - ?'),
    auditLog: db.prepare<[number], string>('SELECT data FROM audit ORDER BY seq DESC LIMIT ?').pluck(),
    // taken when absent or expired; `changes` tells whether this call took it
    claim: db.prepare<{ key: string; now: number; expiresAt: number }>(
      `INSERT INTO claims (key, expiresAt) VALUES (:key, :expiresAt)
       ON CONFLICT (key) DO UPDATE SET expiresAt = excluded.expiresAt WHERE claims.expiresAt < :now`,
    ),
    pruneClaims: db.prepare<[number]>('DELETE FROM claims WHERE expiresAt < ?'),
    unclaim: db.prepare<[string]>('DELETE FROM claims WHERE key = ?'),
  };
}

/** subjectOf (message-map.ts) as an SQL expression over a job's data column, from the same lists */
function subjectSql(data: string): string {
  const list = (events: readonly string[]) => events.map((event) => `'${event}'`).join(', ');
  const subject = (events: readonly string[], field: string) =>
    `WHEN json_extract(${data}, '$.event') IN (${list(events)}) AND json_type(${data}, '$.payload.${field}.id') = 'text'
      THEN '${field}:' || json_extract(${data}, '$.payload.${field}.id')`;
  return `CASE ${subject(NOTE_POSTING_EVENTS, 'note')} ${subject(REPORT_POSTING_EVENTS, 'report')} END`;
}

function prepareMessageStatements(db: Database.Database) {
  type Key = MessageKey;
  return {
    record: db.prepare<Key & { ref: string; expiresAt: number }>(
      `INSERT INTO messages (source, subject, sink, ref, expiresAt) VALUES (:source, :subject, :sink, :ref, :expiresAt)
       ON CONFLICT (source, subject, sink) DO UPDATE SET ref = excluded.ref, expiresAt = excluded.expiresAt`,
    ),
    find: db
      .prepare<Key & { now: number }, string>('SELECT ref FROM messages WHERE source = :source AND subject = :subject AND sink = :sink AND expiresAt >= :now')
      .pluck(),
    // jobs_subject: the lookup runs when a reply's parent is not in the map yet
    holds: db
      .prepare<{ lane: string; sink: string; source: string; subject: string; except: string }>(
        `SELECT 1 FROM jobs INDEXED BY jobs_subject WHERE lane = :lane AND sink = :sink AND subject = :subject
           AND id != :except AND json_extract(data, '$.source') = :source LIMIT 1`,
      )
      .pluck(),
    prune: db.prepare<[number]>('DELETE FROM messages WHERE expiresAt < ?'),
  };
}
