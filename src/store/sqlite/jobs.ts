import type Database from 'better-sqlite3';
import { DUE_COUNT_CAP, type DueLane, type Job, type JobStore, type LaneStats, type NewJob, type WaitingJob } from '../jobs';
import type { Hold } from '../../route/hold';
import type { MessageKey } from '../messages';
import { prepareJobStatements } from './job-statements';
import type { SqliteRecentEvents } from './recent';
import { guard, jobData, SEEN_TTL_MS, toJob } from './rows';

/** how long an accept waits for others to share its commit */
const ACCEPT_GATHER_MS = 1;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

interface PendingAccept {
  source: string;
  eventId: string;
  jobs: NewJob[];
  now: number;
  resolve: (result: 'stored' | 'duplicate') => void;
  reject: (error: unknown) => void;
}

export class SqliteJobs implements JobStore {
  private readonly s: ReturnType<typeof prepareJobStatements>;
  private readonly transactions: ReturnType<SqliteJobs['prepareTransactions']>;
  private lastPruneAt = -Infinity;
  private pending: PendingAccept[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly recent: SqliteRecentEvents,
  ) {
    this.s = prepareJobStatements(db);
    this.transactions = this.prepareTransactions();
  }

  /** the leases a process that is gone left behind: its jobs are due again at once, a lapse counted */
  clearLeases(): void {
    this.s.clearLeases.run();
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
      results = guard(this.db, () => this.transactions.accept.immediate(batch, prune));
    } catch (error) {
      for (const accept of batch) accept.reject(error);
      return;
    }
    if (prune) this.lastPruneAt = now;
    batch.forEach((accept, i) => accept.resolve(results[i]!));
  }

  async dueLanes(now: number): Promise<DueLane[]> {
    return this.s.dueLanes.all({ now, cap: DUE_COUNT_CAP });
  }

  async lease(lane: string, now: number, max: number, leaseMs: number): Promise<Job[]> {
    return this.transactions.lease.immediate(lane, now, max, leaseMs);
  }

  async renew(jobs: Job[], now: number, leasedUntil: number): Promise<boolean> {
    return guard(this.db, () => this.transactions.renew(jobs, now, leasedUntil));
  }

  async pauseLane(lane: string, until: number): Promise<void> {
    this.s.pauseLane.run(lane, until);
  }

  async release(jobs: Job[], availableAt: number): Promise<void> {
    this.transactions.release(jobs, availableAt);
  }

  async ack(jobs: Job[]): Promise<void> {
    this.transactions.ack(jobs.map((job) => job.id));
  }

  async reschedule(job: Job, availableAt: number, error: string, now: number): Promise<void> {
    this.s.reschedule.run({ id: job.id, availableAt, error, now });
  }

  async deadLetter(job: Job, error: string, now: number): Promise<void> {
    this.transactions.deadLetter(job.id, error, now);
  }

  async stats(): Promise<LaneStats[]> {
    return this.s.stats.all();
  }

  async waiting(now: number, limit: number, sink?: string): Promise<WaitingJob[]> {
    return this.s.waiting.all({ now, limit, sink: sink ?? null }).map((row) => ({ ...row, leased: row.leased === 1 }));
  }

  async drop(ids: string[], now: number): Promise<number> {
    return guard(this.db, () => this.transactions.drop(ids, now));
  }

  async holdsMessage(lane: string, key: MessageKey, exceptJobId: string): Promise<boolean> {
    return this.s.holdsMessage.get({ lane, sink: key.sink, source: key.source, subject: key.subject, except: exceptJobId }) !== undefined;
  }

  async pendingHolds(): Promise<Hold[]> {
    return this.s.pendingHolds.all().map((hold) => JSON.parse(hold) as Hold);
  }

  private prepareTransactions() {
    const s = this.s;
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
        for (const json of recent.values()) this.recent.add(json);
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
          row.lapses = s.setLease.get(now + leaseMs, batch, row.id)!;
          row.batch = batch;
        }
        return rows.map(toJob);
      }),
      renew: this.db.transaction((jobs: Job[], now: number, leasedUntil: number) => {
        let renewed = 0;
        for (const job of jobs) renewed += s.renew.run(leasedUntil, job.id, now).changes;
        return renewed === jobs.length;
      }),
      release: this.db.transaction((jobs: Job[], availableAt: number) => {
        for (const job of jobs) s.release.run(availableAt, job.id);
      }),
      ack: this.db.transaction((ids: string[]) => {
        for (const id of ids) s.deleteJob.run(id);
      }),
      drop: this.db.transaction((ids: string[], now: number) => {
        let dropped = 0;
        for (const id of new Set(ids)) dropped += s.dropWaiting.run(id, now).changes;
        return dropped;
      }),
      deadLetter: this.db.transaction((id: string, error: string, now: number) => {
        if (s.bury.run({ id, error, now }).changes > 0) s.deleteJob.run(id);
      }),
    };
  }
}
