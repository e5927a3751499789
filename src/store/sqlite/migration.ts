import type Database from 'better-sqlite3';
import type { MigrationStore, StoreRecord } from '../migration';
import type { PauseStore } from '../pauses';
import type { MessageRef } from '../messages';
import { columns, DEAD_COLUMNS, guard, JOB_COLUMNS, SEEN_TTL_MS, toDeadLetter, toJob, type Columns, type DeadRow, type JobRow } from './rows';

export class SqliteMigration implements MigrationStore {
  private readonly m: ReturnType<typeof prepareMoveStatements>;
  private readonly restoreTransaction;

  constructor(
    private readonly db: Database.Database,
    private readonly pauses: PauseStore,
  ) {
    this.m = prepareMoveStatements(db);
    this.restoreTransaction = db.transaction((records: StoreRecord[], now: number) => records.map((record) => this.restoreOne(record, now)));
  }

  /** each page is one keyset query: reading never holds the write lock */
  async *snapshot(now: number, pageSize: number): AsyncIterable<StoreRecord[]> {
    const m = this.m;
    const limit = Math.max(1, pageSize);
    const sinkPauses = await this.pauses.list();
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
    return guard(this.db, () => this.restoreTransaction.immediate(records, now));
  }

  private restoreOne(record: StoreRecord, now: number): boolean {
    const m = this.m;
    switch (record.kind) {
      case 'sink-pause':
        return m.pauseSink.run(record.pause.sink, record.pause.since, record.pause.by ?? null).changes > 0;
      case 'lane-pause': {
        const until = m.laneUntil.get(record.lane);
        if (until !== undefined && until >= record.until) return false;
        m.pauseLane.run(record.lane, record.until);
        return true;
      }
      case 'message': {
        if (record.expiresAt < now) return false;
        const { source, subject, sink } = record.key;
        return m.insertMessage.run(source, subject, sink, JSON.stringify(record.ref), record.expiresAt).changes > 0;
      }
      case 'seen':
        if (record.seenAt < now - SEEN_TTL_MS) return false;
        return m.markSeen.run(record.source, record.eventId, record.seenAt).changes > 0;
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

interface MessageRow {
  source: string;
  subject: string;
  sink: string;
  ref: string;
  expiresAt: number;
}

function prepareMoveStatements(db: Database.Database) {
  return {
    pauseSink: db.prepare<[string, number, string | null]>('INSERT OR IGNORE INTO sink_pauses (sink, since, by) VALUES (?, ?, ?)'),
    pauseLane: db.prepare<[string, number]>(
      'INSERT INTO lane_pauses (lane, until) VALUES (?, ?) ON CONFLICT (lane) DO UPDATE SET until = MAX(until, excluded.until)',
    ),
    markSeen: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO seen (source, eventId, seenAt) VALUES (?, ?, ?)'),
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
