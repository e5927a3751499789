import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RECENT_EVENTS } from '../../src/store/recent';
import { StoreUnavailableError } from '../../src/store/errors';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store';
import { noteEvent, noteText } from '../helpers/events';
import { newJob, T0 } from './contract';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'misskey-bridge-queue-'));
}

/** the queue's own connection: per-connection state (pragmas) is only visible there */
function connection(queue: SqliteStore): Database.Database {
  return queue.connection;
}

describe('Store', () => {
  let dir: string;
  let file: string;
  const opened: SqliteStore[] = [];
  const open = (options: Partial<Parameters<typeof openSqliteStore>[0]> = {}) => {
    const queue = openSqliteStore({ path: file, ...options });
    opened.push(queue);
    return queue;
  };

  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'nested', 'deeper', 'queue.sqlite');
  });

  afterEach(async () => {
    for (const queue of opened.splice(0)) await queue.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the directory, uses WAL with synchronous NORMAL and records the schema version', () => {
    const db = connection(open());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(6);
  });

  it("sets synchronous FULL for sync: 'full'", () => {
    expect(connection(open({ sync: 'full' })).pragma('synchronous', { simple: true })).toBe(2);
  });

  it('keeps the store to its owner: folder 0700, database and WAL files 0600', async () => {
    const store = open();
    await store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
    const mode = (file: string) => fs.statSync(file).mode & 0o777;
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
  });

  it('takes the permissions of an existing store file away from others', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    open();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a database from a newer schema version', async () => {
    await open().close();
    const other = new Database(file);
    other.pragma('user_version = 99');
    other.close();
    expect(() => open()).toThrow(/schema version 99/);
  });

  it('keeps jobs, seen events and dead letters across close and reopen', async () => {
    const first = open();
    await first.jobs.accept('misskey', 'e1', [newJob('e1'), newJob('e1', { sink: 'slack' })], T0);
    const [slackJob] = await first.jobs.lease('slack:main', T0, 10, 1000);
    await first.jobs.deadLetter(slackJob!, 'HTTP 404', T0 + 1);
    await first.close();

    const second = open();
    await expect(second.jobs.accept('misskey', 'e1', [newJob('e1')], T0 + 2)).resolves.toBe('duplicate');
    expect((await second.jobs.lease('discord:main', T0 + 2, 10, 1000)).map((job) => job.id)).toEqual([newJob('e1').id]);
    expect((await second.deadLetters.list()).map((letter) => letter.error)).toEqual(['HTTP 404']);
  });

  it('commits accepts of one event-loop turn together, each with its own answer', async () => {
    const queue = open();
    const answers = await Promise.all([
      queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0),
      queue.jobs.accept('misskey', 'e2', [newJob('e2')], T0),
      queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0),
      queue.jobs.accept('other', 'e1', [newJob('e1', { id: 'other:e1' })], T0),
    ]);
    expect(answers).toEqual(['stored', 'stored', 'duplicate', 'stored']);
    expect((await queue.jobs.stats()).map((lane) => lane.depth)).toEqual([3]);
  });

  it('records, of a burst sharing one commit, the newest event of each type as recent events, in their order', async () => {
    const queue = open();
    const mention = (eventId: string) => newJob(eventId, { event: 'mention', payload: noteEvent(`event ${eventId}`) });
    await Promise.all([
      queue.jobs.accept('misskey', 'n1', [newJob('n1')], T0),
      queue.jobs.accept('misskey', 'm1', [mention('m1')], T0),
      queue.jobs.accept('misskey', 'n2', [newJob('n2'), newJob('n2', { sink: 'slack' })], T0),
    ]);
    expect((await queue.recent.list(RECENT_EVENTS)).map(noteText)).toEqual(['event n2', 'event m1']);
    await queue.jobs.accept('misskey', 'n3', [newJob('n3')], T0);
    expect((await queue.recent.list(RECENT_EVENTS)).map(noteText)).toEqual(['event n3', 'event n2', 'event m1']);
  });

  it('rejects every accept of a turn when the store cannot take the commit', async () => {
    const queue = open({ busyTimeoutMs: 50 });
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      const answers = await Promise.allSettled([queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0), queue.jobs.accept('misskey', 'e2', [newJob('e2')], T0)]);
      expect(answers.map((answer) => answer.status === 'rejected' && answer.reason instanceof StoreUnavailableError)).toEqual([true, true]);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    await expect(queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0)).resolves.toBe('stored');
  });

  it('clears leases on open, so a restarted process redelivers the same group at once', async () => {
    const first = open();
    await first.jobs.accept('misskey', 'e1', [newJob('e1'), newJob('e1', { route: 'other' })], T0);
    const group = await first.jobs.lease('discord:main', T0, 10, 60 * 60 * 1000);
    expect(await first.jobs.dueLanes(T0 + 1)).toEqual([]);
    await first.close();

    const second = open();
    expect(await second.jobs.dueLanes(T0 + 1)).toEqual([{ lane: 'discord:main', due: 2 }]);
    // the process that held them died: one lapse each
    expect(await second.jobs.lease('discord:main', T0 + 1, 1, 1000)).toEqual(group.map((job) => ({ ...job, lapses: 1 })));
  });

  it('keeps the leases on open while another serving process of this store still runs', async () => {
    const first = open();
    await first.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
    await first.jobs.lease('discord:main', T0, 10, 60 * 60 * 1000);
    // this test process stands for the other one: its pid lives and its heartbeat is fresh
    await first.instances.heartbeat({ id: 'other', host: os.hostname(), pid: process.pid, since: Date.now(), leases: 1, heartbeatAt: Date.now() });

    const second = open();
    expect(await second.jobs.dueLanes(T0 + 1)).toEqual([]);
  });

  it('takes the leases over at once when the process that held them is gone, though its heartbeat is fresh', async () => {
    const first = open();
    await first.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
    await first.jobs.lease('discord:main', T0, 10, 60 * 60 * 1000);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await first.instances.heartbeat({ id: 'gone', host: os.hostname(), pid: Number(gone.stdout), since: Date.now(), leases: 1, heartbeatAt: Date.now() });

    const second = open();
    expect(await second.jobs.dueLanes(T0 + 1)).toEqual([{ lane: 'discord:main', due: 1 }]);
  });

  it('is unavailable while another connection holds the write lock, and recovers when it is released', async () => {
    const queue = open({ busyTimeoutMs: 20 });
    const other = new Database(file);
    try {
      other.exec('BEGIN EXCLUSIVE');
      const rejection = await queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0).catch((error: unknown) => error);
      expect(rejection).toBeInstanceOf(StoreUnavailableError);
      expect((rejection as StoreUnavailableError).cause).toMatchObject({ code: 'SQLITE_BUSY' });
      await expect(queue.ping()).rejects.toBeInstanceOf(StoreUnavailableError);

      other.exec('COMMIT');
      await expect(queue.ping()).resolves.toBeUndefined();
      // the failed accept left nothing behind: the retry is not a duplicate
      await expect(queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0)).resolves.toBe('stored');
      expect(await queue.jobs.dueLanes(T0)).toEqual([{ lane: 'discord:main', due: 1 }]);
    } finally {
      other.close();
    }
  });

  // running as root ignores file permissions, so the conditions are produced on the connection itself
  it.each([
    { condition: 'read-only', code: 'SQLITE_READONLY', set: 'query_only = ON', reset: 'query_only = OFF' },
    { condition: 'full', code: 'SQLITE_FULL', set: 'max_page_count = 1', reset: 'max_page_count = 1000000' },
  ])('is unavailable while the database is $condition, and recovers', async ({ code, set, reset }) => {
    const queue = open();
    const db = connection(queue);
    const big = newJob('e1', { payload: noteEvent('x'.repeat(100_000)) });
    db.pragma(set);
    const rejection = await queue.jobs.accept('misskey', 'e1', [big], T0).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(StoreUnavailableError);
    expect((rejection as StoreUnavailableError).cause).toMatchObject({ code });

    db.pragma(reset);
    await expect(queue.jobs.accept('misskey', 'e1', [big], T0)).resolves.toBe('stored');
    await expect(queue.ping()).resolves.toBeUndefined();
  });
});
