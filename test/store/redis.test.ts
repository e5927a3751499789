import net from 'node:net';
import Redis from 'ioredis';
import { StoreUnavailableError } from '../../src/store/errors';
import type { Job } from '../../src/store/jobs';
import type { Store } from '../../src/store/store';
import { isStoreUnavailable } from '../../src/store/redis/client';
import { destroyRedisStore, openRedisStore } from '../../src/store/redis/store';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';
import { noteEvent } from '../helpers/events';
import { expectSameAsSqlite, newJob, T0 } from './contract';

/** a TCP proxy to Redis that can stop passing anything on, like a Redis that hangs */
async function freezableProxy(target: string): Promise<{ url: string; freeze: () => void; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port || 6379), hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => frozen || to.write(chunk));
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    freeze: () => (frozen = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describeRedis('Store', () => {
  describe('with its own Redis connections', () => {
    let prefix: string;
    let raw: Redis;
    const opened: Store[] = [];
    const open = async (options: Partial<Parameters<typeof openRedisStore>[0]> = {}) => {
      const queue = await openRedisStore({ url: REDIS_URL, prefix, ...options });
      opened.push(queue);
      return queue;
    };

    beforeEach(async () => {
      prefix = newPrefix();
      raw = new Redis(REDIS_URL);
    });

    afterEach(async () => {
      for (const queue of opened.splice(0)) await queue.close();
      await destroyRedisStore(REDIS_URL, prefix);
      raw.disconnect();
    });

    it('stores an event once when two instances accept it at the same time', async () => {
      const [a, b] = await Promise.all([open(), open()]);
      for (let i = 0; i < 50; i++) {
        const eventId = `e${i}`;
        const jobs = [newJob(eventId), newJob(eventId, { sink: 'slack' })];
        const results = await Promise.all([a.jobs.accept('misskey', eventId, jobs, T0), b.jobs.accept('misskey', eventId, jobs, T0)]);
        expect(results.sort()).toEqual(['duplicate', 'stored']);
      }
      expect((await a.jobs.stats()).map(({ lane, depth }) => [lane, depth])).toEqual([
        ['discord:main', 50],
        ['slack:main', 50],
      ]);
    });

    it('holds a lane leased by one instance against the other until the lease expires', async () => {
      const [a, b] = await Promise.all([open(), open()]);
      await a.jobs.accept('misskey', 'e1', [newJob('e1'), newJob('e1', { route: 'other' })], T0);
      const group = await a.jobs.lease('discord:main', T0, 10, 1000);
      expect(group).toHaveLength(2);
      expect(await b.jobs.dueLanes(T0 + 1000)).toEqual([]);
      expect(await b.jobs.lease('discord:main', T0 + 1000, 10, 1000)).toEqual([]);

      // the first instance dies mid-send: the other takes over the same group, nothing is lost
      await a.close();
      expect(await b.jobs.dueLanes(T0 + 1001)).toEqual([{ lane: 'discord:main', due: 2 }]);
      expect(await b.jobs.lease('discord:main', T0 + 1001, 1, 1000)).toEqual(group.map((job) => ({ ...job, lapses: 1 })));
    });

    it('keeps jobs as JSON, seen events, leases and dead letters across close and reopen', async () => {
      const first = await open();
      const job = newJob('e1', { payload: noteEvent('kept') });
      await first.jobs.accept('misskey', 'e1', [job, newJob('e1', { sink: 'slack' })], T0);
      const [slackJob] = await first.jobs.lease('slack:main', T0, 10, 1000);
      await first.jobs.deadLetter(slackJob!, 'HTTP 404', T0 + 1);
      await first.jobs.lease('discord:main', T0, 10, 1000);
      await first.close();

      const { payload: stored } = JSON.parse((await raw.hget(`${prefix}:job:${job.id}`, 'data'))!) as Job;
      expect(stored).toEqual(job.payload);

      const second = await open();
      await expect(second.jobs.accept('misskey', 'e1', [newJob('e1')], T0 + 2)).resolves.toBe('duplicate');
      // other instances may be alive: a lease is only given up when it expires
      expect(await second.jobs.lease('discord:main', T0 + 2, 10, 1000)).toEqual([]);
      expect((await second.jobs.lease('discord:main', T0 + 1001, 10, 1000)).map(({ id }) => id)).toEqual([job.id]);
      expect((await second.deadLetters.list()).map(({ error }) => error)).toEqual(['HTTP 404']);
    });

    it('puts jobs stored before the subject sets existed into theirs when it opens', async () => {
      const first = await open();
      const payload = noteEvent('parent');
      const parent = newJob('e1', { payload });
      await first.jobs.accept('misskey', 'e1', [parent], T0);
      const key = { source: 'misskey', subject: `note:${payload.note.id}`, sink: 'discord' };
      expect(await first.jobs.holdsMessage('discord:main', key, 'x')).toBe(true);
      // as an older version left it: no subject field, no subject sets, not indexed yet
      await raw.hdel(`${prefix}:job:${parent.id}`, 'subject');
      for (const set of await raw.keys(`${prefix}:subject:*`)) await raw.del(set);
      await raw.del(`${prefix}:subjects-indexed`);
      expect(await first.jobs.holdsMessage('discord:main', key, 'x')).toBe(false);

      const second = await open();
      expect(await second.jobs.holdsMessage('discord:main', key, 'x')).toBe(true);
      expect(await raw.exists(`${prefix}:subjects-indexed`)).toBe(1);
      // the job leaves its set as any other
      const [leased] = await second.jobs.lease('discord:main', T0, 1, 1000);
      await second.jobs.ack([leased!]);
      expect(await second.jobs.holdsMessage('discord:main', key, 'x')).toBe(false);
    });

    it('answers StoreUnavailableError at once when Redis cannot be reached', async () => {
      const queue = await open({ url: 'redis://127.0.0.1:1' });
      const started = Date.now();
      await expect(queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(queue.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('answers StoreUnavailableError within the command timeout when Redis stops answering', async () => {
      const proxy = await freezableProxy(REDIS_URL);
      try {
        const queue = await open({ url: proxy.url, commandTimeoutMs: 500 });
        await expect(queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0)).resolves.toBe('stored');
        proxy.freeze();
        const started = Date.now();
        await expect(queue.jobs.accept('misskey', 'e2', [newJob('e2')], T0)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(queue.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
        expect(Date.now() - started).toBeLessThan(1500);
      } finally {
        await proxy.close();
      }
    });

    it('counts read-only, out-of-memory and connection failures as unavailable, other errors not', async () => {
      const reply = (text: string) => raw.eval(`return redis.error_reply(ARGV[1])`, 0, text).catch((error: unknown) => error);
      expect(isStoreUnavailable(await reply("READONLY You can't write against a read only replica."))).toBe(true);
      expect(isStoreUnavailable(await reply("OOM command not allowed when used memory > 'maxmemory'."))).toBe(true);
      await raw.lpush(`${prefix}:list`, 'a');
      const wrongType = await raw.get(`${prefix}:list`).catch((error: unknown) => error);
      expect(wrongType).toMatchObject({ message: expect.stringMatching(/^WRONGTYPE/) });
      expect(isStoreUnavailable(wrongType)).toBe(false);
      expect(isStoreUnavailable(await reply('ERR Connection is closed lookalike'))).toBe(false);
      expect(isStoreUnavailable(new Error('Connection is closed.'))).toBe(true);
      expect(isStoreUnavailable(new TypeError('x is undefined'))).toBe(false);
    });

    it('deletes only the keys under its prefix, even with glob characters in it', async () => {
      prefix = `${newPrefix()}:glob*?[x]`;
      const sibling = `${prefix.replace('*?[x]', 'zzx')}:keep`;
      await raw.set(sibling, '1');
      try {
        const queue = await open();
        await queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
        await queue.ping();
        expect(await raw.exists(`${prefix}:job:${newJob('e1').id}`)).toBe(1);

        await destroyRedisStore(REDIS_URL, prefix);
        expect(await raw.exists(`${prefix}:job:${newJob('e1').id}`, `${prefix}:seq`, `${prefix}:lanes`)).toBe(0);
        expect(await raw.get(sibling)).toBe('1');
      } finally {
        await raw.del(sibling);
      }
    });

    it('behaves like the SQLite store over a long random run', async () => {
      await expectSameAsSqlite(await open());
    });
  });
});
