/** The stream source state, the same on SQLite and Redis: forward-only cursors, status, the single-holder lease. */
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { destroyRedisStore } from '../../src/store/redis/store';
import { RedisStreamStateStore } from '../../src/store/redis/stream';
import { SqliteStreamStateStore } from '../../src/store/sqlite/stream';
import type { StreamStateStore } from '../../src/store/stream';
import { newPrefix, redisReachable, REDIS_URL } from '../helpers/redis';

const backends: [string, () => Promise<{ store: StreamStateStore; cleanup(): Promise<void> }>][] = [
  ['SQLite', async () => ({ store: new SqliteStreamStateStore(new Database(':memory:')), cleanup: async () => undefined })],
];
if (redisReachable()) {
  backends.push([
    'Redis',
    async () => {
      const prefix = newPrefix();
      return { store: new RedisStreamStateStore(new Redis(REDIS_URL), prefix), cleanup: () => destroyRedisStore(REDIS_URL, prefix) };
    },
  ]);
}

describe.each(backends)('stream state on %s', (_name, open) => {
  let store: StreamStateStore;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await open());
  });

  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it('moves a cursor forward only, each kind on its own', async () => {
    expect(await store.cursor('home', 'notification')).toBeNull();
    await store.setCursor('home', 'notification', 'augr6ouel58j0003', 1);
    await store.setCursor('home', 'notification', 'augr6ouel58j0001', 2);
    await store.setCursor('home', 'chat', 'b0000000000000001', 3);
    expect(await store.cursor('home', 'notification')).toBe('augr6ouel58j0003');
    // a longer id is a later one (the first start's cursor "0" before any real id)
    await store.setCursor('other', 'notification', '0', 4);
    await store.setCursor('other', 'notification', 'augr6ouel58j0001', 5);
    expect(await store.cursor('other', 'notification')).toBe('augr6ouel58j0001');
    expect(await store.cursor('home', 'chat')).toBe('b0000000000000001');
  });

  it('keeps what status shows', async () => {
    await store.updateStatus('home', { connectedSince: 1000, lastEventAt: 2000, backfilledMore: 3 });
    await store.updateStatus('home', { backfilledMore: 4, lastError: 'token rejected', lostGap: '600 missed' });
    const [state] = await store.states();
    expect(state).toMatchObject({ source: 'home', connectedSince: 1000, lastEventAt: 2000, backfilled: 7, lastError: 'token rejected', lostGap: '600 missed' });
    await store.updateStatus('home', { connectedSince: null, lastError: null });
    expect((await store.states())[0]).toMatchObject({ connectedSince: null, lastError: null });
  });

  it('lets one holder at a time hold a lease, until it runs out or is released', async () => {
    const now = Date.now();
    expect(await store.takeLease('home', 'a', now, 60_000)).toBe(true);
    expect(await store.takeLease('home', 'b', now, 60_000)).toBe(false);
    expect(await store.renewLease('home', 'a', now, 60_000)).toBe(true);
    expect(await store.renewLease('home', 'b', now, 60_000)).toBe(false);
    expect((await store.states())[0]!.holder).toBe('a');
    await store.releaseLease('home', 'b');
    expect(await store.takeLease('home', 'b', now, 60_000)).toBe(false);
    await store.releaseLease('home', 'a');
    expect(await store.takeLease('home', 'b', now, 60_000)).toBe(true);
  });

  it('gives a lease that ran out to another holder', async () => {
    const now = Date.now();
    expect(await store.takeLease('home', 'a', now, 100)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.takeLease('home', 'b', now + 200, 60_000)).toBe(true);
    expect(await store.renewLease('home', 'a', now + 200, 60_000)).toBe(false);
  });
});
