import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  DUE_COUNT_CAP,
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
} from './queue';

export interface SqliteQueueOptions {
  path: string;
  /** `full` also syncs the WAL on every commit: survives power loss, not only a crash; slower */
  sync?: 'normal' | 'full';
  /**
   * how long a write waits for a lock before the store counts as unavailable; default 1000. The
   * wait blocks the process (better-sqlite3 is synchronous).
   */
  busyTimeoutMs?: number;
}

const SEEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
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
    insertJob: db.prepare<{ id: string; lane: string; sink: string; data: string; now: number; availableAt: number; batch: string | null }>(
      `INSERT OR IGNORE INTO jobs (id, lane, sink, data, createdAt, availableAt, attempts, history, batch)
       VALUES (:id, :lane, :sink, :data, :now, :availableAt, 0, '[]', :batch)`,
    ),
    // walks the distinct lanes by index seeks (one per lane, never a scan of all jobs); a lane is
    // skipped while one of its jobs is out (leasedUntil >= now): one send at a time, in order.
    // The due count stops at the cap so that a long backlog costs no more than a short one.
    dueLanes: db.prepare<{ now: number; cap: number }, DueLane>(
      `WITH RECURSIVE lanes (lane) AS (
         SELECT MIN(lane) FROM jobs
         UNION ALL
         SELECT (SELECT MIN(lane) FROM jobs WHERE lane > lanes.lane) FROM lanes WHERE lanes.lane IS NOT NULL
       ),
       -- materialized so that the count is not evaluated again for the outer WHERE
       counted (lane, due) AS MATERIALIZED (
         SELECT lane, (SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE jobs.lane = lanes.lane AND availableAt <= :now LIMIT :cap))
         FROM lanes
         WHERE lane IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.lane = lanes.lane AND leasedUntil >= :now)
           AND NOT EXISTS (SELECT 1 FROM lane_pauses WHERE lane_pauses.lane = lanes.lane AND until > :now)
       )
       SELECT lane, due FROM counted WHERE due > 0`,
    ),
    laneLeased: db.prepare<[string, number]>('SELECT 1 FROM jobs WHERE lane = ? AND leasedUntil >= ? LIMIT 1').pluck(),
    lanePaused: db.prepare<[string, number]>('SELECT 1 FROM lane_pauses WHERE lane = ? AND until > ?').pluck(),
    // a pause is only ever extended
    pauseLane: db.prepare<[string, number]>(
      `INSERT INTO lane_pauses (lane, until) VALUES (?, ?)
       ON CONFLICT (lane) DO UPDATE SET until = MAX(until, excluded.until)`,
    ),
    // the unary + keeps the planner on jobs_fifo, walked in order up to LIMIT, rather than sorting
    // all the lane's due jobs found through jobs_due
    dueJobs: db.prepare<[string, number, number], JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE lane = ? AND +availableAt <= ? ORDER BY seq LIMIT ?`,
    ),
    // and here on jobs_batch: a group is small, a lane may be long
    groupJobs: db.prepare<[string, string, number], JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE batch = ? AND +lane = ? AND +availableAt <= ? ORDER BY seq`,
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
    // a held job is in a group from the start: the partial index on batch finds them
    pendingHolds: db
      .prepare<[], string>(
        `SELECT json_extract(data, '$.hold') FROM jobs WHERE batch IS NOT NULL AND json_extract(data, '$.hold.group') = batch GROUP BY batch`,
      )
      .pluck(),
    stats: db.prepare<[], LaneStats>(
      `SELECT sink, lane, COUNT(*) AS depth, MIN(createdAt) AS oldestAt FROM jobs GROUP BY lane, sink ORDER BY sink, lane`,
    ),
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
  }

  /** Opens or creates the store. A single process owns the file: leases left by a dead one are cleared. */
  static open(options: SqliteQueueOptions): SqliteQueue {
    fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 1000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
      migrate(db);
      const queue = new SqliteQueue(db);
      queue.statements.clearLeases.run();
      return queue;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Accepts that arrive in one turn of the event loop share one transaction (one commit, one
   * sync): each still resolves only once its event is committed.
   */
  accept(source: string, eventId: string, jobs: NewJob[], now: number): Promise<'stored' | 'duplicate'> {
    return new Promise((resolve, reject) => {
      this.pending.push({ source, eventId, jobs, now, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
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

  private prepareTransactions() {
    const s = this.statements;
    return {
      accept: this.db.transaction((batch: PendingAccept[], prune: boolean) => {
        if (prune) s.pruneSeen.run(Math.max(...batch.map((accept) => accept.now)) - SEEN_TTL_MS);
        return batch.map(({ source, eventId, jobs, now }) => {
          if (s.markSeen.run(source, eventId, now).changes === 0) return 'duplicate' as const;
          for (const job of jobs) {
            const data: JobData = {
              source: job.source,
              eventId: job.eventId,
              event: job.event,
              route: job.route,
              template: job.template,
              payload: job.payload,
              ...(job.hold ? { hold: job.hold } : {}),
            };
            const availableAt = job.hold?.until ?? now;
            const batch = job.hold?.group ?? null;
            s.insertJob.run({ id: job.id, lane: job.lane, sink: job.sink, data: JSON.stringify(data), now, availableAt, batch });
          }
          return 'stored' as const;
        });
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
    };
  }

  async pendingHolds(): Promise<Hold[]> {
    return this.statements.pendingHolds.all().map((hold) => JSON.parse(hold) as Hold);
  }

  private selectDead(selector: DeadLetterSelector): string[] {
    if ('ids' in selector) return [...new Set(selector.ids)];
    if ('sink' in selector) return this.statements.deadIdsOfSink.all(selector.sink);
    return this.statements.deadIds.all();
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
}
