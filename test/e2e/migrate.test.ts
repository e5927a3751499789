import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateCommand, parseTarget, sameStore } from '../../src/commands/migrate';
import type { Job, NewJob } from '../../src/store/jobs';
import type { Store } from '../../src/store/store';
import { destroyRedisStore, openRedisStore } from '../../src/store/redis/store';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';
import { comparable, newJob, snapshotAll } from '../store/contract';

const ROOT = path.resolve(__dirname, '../..');
const HOUR = 60 * 60 * 1000;

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['-r', path.join(ROOT, 'test/helpers/register-ts.js'), path.join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
}

const LANES = ['discord:main', 'slack:alerts', 'matrix:ops'];

/**
 * A store as a busy bridge leaves it: 60 events (54 jobs) over three lanes (two sinks share discord:main),
 * some rescheduled with their history, a digest group waiting for its retry, dead letters, a lane
 * and a sink pause, message map entries and events without jobs.
 */
async function fill(queue: Store, t0: number): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const eventId = `ev${i}`;
    const lane = LANES[i % LANES.length]!;
    const sink = lane === 'discord:main' && i % 2 === 0 ? 'discord-bot' : lane.split(':')[0]!;
    const jobs: NewJob[] = [newJob(eventId, { sink, lane, route: 'all', id: `misskey:${eventId}:all:${sink}` })];
    await queue.jobs.accept('misskey', eventId, i % 10 === 9 ? [] : jobs, t0 + i);
  }
  // a digest that failed: its group waits for the retry, whole
  const digest = await queue.jobs.lease('discord:main', t0 + 100, 4, 60_000);
  for (const job of digest) await queue.jobs.reschedule(job, t0 + 30_000, 'HTTP 502', t0 + 101);
  // one that fails twice, then for good
  let [job] = await queue.jobs.lease('slack:alerts', t0 + 100, 1, 60_000);
  await queue.jobs.reschedule(job!, t0 + 200, 'timeout', t0 + 100);
  [job] = await queue.jobs.lease('slack:alerts', t0 + 200, 1, 60_000);
  await queue.jobs.reschedule(job!, t0 + 300, 'HTTP 500', t0 + 200);
  [job] = await queue.jobs.lease('slack:alerts', t0 + 300, 1, 60_000);
  await queue.jobs.deadLetter(job!, 'HTTP 404: channel_not_found', t0 + 300);
  [job] = await queue.jobs.lease('matrix:ops', t0 + 300, 1, 60_000);
  await queue.jobs.deadLetter(job!, 'M_FORBIDDEN', t0 + 301);
  // one still out: copied as not leased
  await queue.jobs.lease('matrix:ops', t0 + 400, 1, 60_000);
  await queue.jobs.pauseLane('slack:alerts', t0 + HOUR);
  await queue.pauses.pause('discord-bot', t0 + 5, 'ops');
  await queue.messages.record({ source: 'misskey', subject: 'note:n1', sink: 'discord' }, { platform: 'discord', id: '111', channel: '222' }, t0, 30 * 24 * HOUR);
  await queue.messages.record({ source: 'misskey', subject: 'report:r1', sink: 'matrix' }, { platform: 'matrix', id: '$e', channel: '!room' }, t0, 30 * 24 * HOUR);
}

/** every lane's jobs in the order they are leased, once every pause has ended */
async function leaseOrder(queue: Store, at: number): Promise<Record<string, string[]>> {
  for (const sink of await queue.pauses.list()) await queue.pauses.resume(sink.sink);
  const order: Record<string, string[]> = {};
  for (const lane of LANES) {
    const ids: string[] = [];
    for (let jobs: Job[]; (jobs = await queue.jobs.lease(lane, at, 3, 1000)).length > 0; ) {
      ids.push(`[${jobs.map((one) => one.id).join(' ')}]`);
      await queue.jobs.ack(jobs);
    }
    order[lane] = ids;
  }
  return order;
}

describe('migrate targets', () => {
  it('reads Redis URLs, sqlite:PATH and plain paths, and refuses anything else', () => {
    expect(parseTarget('redis://cache:6380/2')).toEqual({ driver: 'redis', url: 'redis://cache:6380/2', prefix: 'misskey-bridge' });
    expect(parseTarget('rediss://cache', 'other')).toEqual({ driver: 'redis', url: 'rediss://cache', prefix: 'other' });
    expect(parseTarget('sqlite:./data/new.db')).toMatchObject({ driver: 'sqlite', path: './data/new.db' });
    expect(parseTarget('/srv/bridge.db')).toMatchObject({ driver: 'sqlite', path: '/srv/bridge.db' });
    expect(() => parseTarget('http://example.org')).toThrow(/--to takes/);
    expect(() => parseTarget('redis://x', '')).toThrow(/prefix/);
  });

  it('knows the same store under another spelling', () => {
    const redis = (url: string, prefix = 'misskey-bridge') => ({ driver: 'redis' as const, url, prefix });
    expect(sameStore(redis('redis://Cache'), redis('redis://cache:6379/0'))).toBe(true);
    expect(sameStore(redis('redis://cache'), redis('redis://cache', 'other'))).toBe(false);
    expect(sameStore(redis('redis://cache'), redis('redis://cache/1'))).toBe(false);
    expect(sameStore(parseTarget('./data/x.db'), parseTarget(`sqlite:${path.resolve('data/x.db')}`))).toBe(true);
  });
});

describeRedis('migrate between SQLite and Redis', () => {
  let dir: string;
  let prefix: string;
  let sqliteConfig: string;
  let redisConfig: string;
  const opened: Store[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-migrate-'));
    prefix = newPrefix();
    const rest = 'sources: { misskey: { secret: x } }\nsinks: { terminal: { type: console } }\nroutes: []\n';
    sqliteConfig = path.join(dir, 'sqlite.yaml');
    fs.writeFileSync(sqliteConfig, `storage: { driver: sqlite, path: ${JSON.stringify(path.join(dir, 'bridge.db'))} }\n${rest}`);
    redisConfig = path.join(dir, 'redis.yaml');
    fs.writeFileSync(redisConfig, `storage: { driver: redis, url: ${JSON.stringify(REDIS_URL)}, prefix: ${JSON.stringify(prefix)} }\n${rest}`);
  });

  afterEach(async () => {
    for (const queue of opened.splice(0)) await queue.close();
    await destroyRedisStore(REDIS_URL, prefix);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sqlite = (file = 'bridge.db') => {
    const queue = openSqliteStore({ path: path.join(dir, file), keepLeases: true });
    opened.push(queue);
    return queue;
  };
  const redis = async () => {
    const queue = await openRedisStore({ url: REDIS_URL, prefix });
    opened.push(queue);
    return queue;
  };

  /** the summary's line for one kind: [copied, already there] */
  const counted = (summary: string, label: string) => {
    const line = summary.split('\n').find((row) => row.startsWith(label));
    return line!.slice(label.length).trim().split(/\s+/).map(Number);
  };

  it('goes SQLite → Redis → SQLite losing and duplicating nothing; a second run copies nothing', async () => {
    const t0 = Date.now() - 10_000;
    const original = sqlite();
    await fill(original, t0);
    const now = Date.now();
    const before = await snapshotAll(original, now, 1000);
    expect(before.filter((record) => record.kind === 'job')).toHaveLength(52);

    const lines: string[] = [];
    const first = await migrateCommand({ config: sqliteConfig, to: REDIS_URL, prefix, pageSize: 7, progress: (line) => lines.push(line) });
    expect(counted(first, 'waiting jobs')).toEqual([52, 0]);
    expect(counted(first, 'dead letters')).toEqual([2, 0]);
    expect(counted(first, 'seen events')).toEqual([60, 0]);
    expect(counted(first, 'lane pauses')).toEqual([1, 0]);
    expect(counted(first, 'sink pauses')).toEqual([1, 0]);
    expect(counted(first, 'message map entries')).toEqual([2, 0]);
    expect(lines).toContain('waiting jobs: 52 copied, 0 already there');

    const moved = await redis();
    expect(comparable(await snapshotAll(moved, now, 1000))).toEqual(comparable(before));
    expect(await moved.deadLetters.list()).toEqual(await original.deadLetters.list());
    expect(await moved.pauses.list()).toEqual(await original.pauses.list());
    expect(await moved.jobs.stats()).toEqual(await original.jobs.stats());

    const second = await migrateCommand({ config: sqliteConfig, to: REDIS_URL, prefix });
    for (const label of ['waiting jobs', 'dead letters', 'seen events', 'lane pauses', 'sink pauses', 'message map entries']) {
      expect(counted(second, label)).toEqual([0, expect.any(Number)]);
    }
    expect(second).toContain('nothing was missing');

    const back = await migrateCommand({ config: redisConfig, to: `sqlite:${path.join(dir, 'back.db')}` });
    expect(counted(back, 'waiting jobs')).toEqual([52, 0]);
    const returned = sqlite('back.db');
    expect(comparable(await snapshotAll(returned, now, 1000))).toEqual(comparable(before));

    // a webhook Misskey sends again is still a duplicate after the move, on either store
    for (const queue of [moved, returned]) {
      await expect(queue.jobs.accept('misskey', 'ev3', [newJob('ev3')], now)).resolves.toBe('duplicate');
      await expect(queue.jobs.accept('misskey', 'ev9', [], now)).resolves.toBe('duplicate');
      await expect(queue.jobs.accept('misskey', 'new', [], now)).resolves.toBe('stored');
    }
    // every lane goes out in the same order, digests whole
    const later = now + 2 * HOUR;
    const expected = await leaseOrder(original, later);
    expect(expected['discord:main']![0]!.split(' ')).toHaveLength(4);
    expect(await leaseOrder(moved, later)).toEqual(expected);
    expect(await leaseOrder(returned, later)).toEqual(expected);
  });

  it('after an interruption, a second run copies only what is missing', async () => {
    const original = sqlite();
    await fill(original, Date.now() - 10_000);
    let pages = 0;
    const interrupted = migrateCommand({
      config: sqliteConfig,
      to: REDIS_URL,
      prefix,
      pageSize: 10,
      progress: (line) => {
        pages += 1;
        if (line.startsWith('waiting jobs') && pages > 12) throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    const moved = await redis();
    const part = (await snapshotAll(moved, Date.now(), 1000)).filter((record) => record.kind === 'job').length;
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThan(52);

    const resumed = await migrateCommand({ config: sqliteConfig, to: REDIS_URL, prefix, pageSize: 10 });
    expect(counted(resumed, 'waiting jobs')).toEqual([52 - part, part]);
    const now = Date.now();
    expect(comparable(await snapshotAll(moved, now, 1000))).toEqual(comparable(await snapshotAll(original, now, 1000)));
    expect(await leaseOrder(moved, now + 2 * HOUR)).toEqual(await leaseOrder(original, now + 2 * HOUR));
  });

  it('refuses while serve runs on the source, unless --force; refuses to copy a store onto itself', async () => {
    const original = sqlite();
    await original.jobs.accept('misskey', 'e1', [newJob('e1')], Date.now());
    // this test process stands for the serving one: its pid lives and its heartbeat is fresh
    const now = Date.now();
    await original.instances.heartbeat({ id: 'serving', host: os.hostname(), pid: process.pid, since: now, leases: 0, heartbeatAt: now });

    const refused = cli('migrate', '-c', sqliteConfig, '--to', REDIS_URL, '--prefix', prefix);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/serve is running on the source store: serving on .* \(pid \d+, heartbeat \d+s ago\)\. Stop it first/);
    expect(await (await redis()).jobs.stats()).toEqual([]);

    const forced = cli('migrate', '-c', sqliteConfig, '--to', REDIS_URL, '--prefix', prefix, '--force');
    expect(forced.stderr).toContain('waiting jobs: 1 copied, 0 already there');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/^SQLite .*bridge\.db → Redis redis:\/\/.* \(prefix mb-test:/);
    expect(forced.stdout).toMatch(/waiting jobs\s+1\s+0/);

    const itself = cli('migrate', '-c', sqliteConfig, '--to', `sqlite:${path.join(dir, 'bridge.db')}`);
    expect(itself.status).toBe(1);
    expect(itself.stderr).toContain('the source and the target are the same store');
  });
});
