/**
 * The operations page's view of the store (src/ops/store-adapter.ts) over each store: waiting jobs
 * with their attempts, lane pauses, and the operator's actions in the audit log beside moderation
 * entries. The sink and dlq actions go through the CLI's own functions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDeadLetters, pauseSinkIn, resumeSinkIn, retryDeadLetters } from '../../src/ops/operator';
import type { OperatorAction } from '../../src/ops/ops-store';
import { opsStoreOf } from '../../src/ops/store-adapter';
import type { Store } from '../../src/store/store';
import { destroyRedisStore, openRedisStore } from '../../src/store/redis/store';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { auditList } from '../../src/commands/audit';
import { testConfig } from '../helpers/bridge';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';
import { newJob, T0 } from '../store/contract';

const SINKS = testConfig('sources: { misskey: { secret: x, allowEmptySecret: false } }\nsinks: { discord: { type: console } }\nroutes: []\n');

function opsStoreContract(name: string, open: () => Promise<{ queue: Store; cleanup: () => Promise<void> }>): void {
  describe(`the operations page's store over ${name}`, () => {
    let queue: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ queue, cleanup } = await open()));
    afterEach(() => cleanup());

    it('lists waiting jobs with their attempts, and the lane pauses in force', async () => {
      await queue.jobs.accept('misskey', 'e1', [newJob('e1'), newJob('e2', { sink: 'slack', lane: 'slack:main' })], T0);
      const [leased] = await queue.jobs.lease('discord:main', T0, 1, 1000);
      await queue.jobs.reschedule(leased!, T0 + 5000, 'Discord server error 502', T0 + 10);
      await queue.jobs.pauseLane('discord:main', T0 + 5000);
      const store = opsStoreOf(queue);
      const jobs = await store.waitingJobs(T0 + 20);
      expect(jobs.map((job) => [job.id, job.availableAt, job.history])).toEqual(
        expect.arrayContaining([
          [newJob('e1').id, T0 + 5000, [{ at: T0 + 10, error: 'Discord server error 502' }]],
          [newJob('e2', { sink: 'slack' }).id, T0, []],
        ]),
      );
      expect(jobs).toHaveLength(2);
      expect(await store.lanePauses(T0 + 20)).toEqual([{ lane: 'discord:main', until: T0 + 5000 }]);
      expect(await store.lanePauses(T0 + 6000)).toEqual([]);
    });

    it('pauses, resumes, replays and drops through the CLI functions, and keeps the operator actions in the audit log', async () => {
      const store = opsStoreOf(queue);
      expect(await pauseSinkIn(store, SINKS, 'discord', 'ops page (127.0.0.1)')).toMatch(/^sink "discord" paused/);
      expect(await store.pauses.list()).toEqual([expect.objectContaining({ sink: 'discord', by: 'ops page (127.0.0.1)' })]);
      expect(await resumeSinkIn(store, SINKS, 'discord')).toMatch(/^sink "discord" resumed/);
      await expect(pauseSinkIn(store, SINKS, 'nope', undefined)).rejects.toThrow('no sink named "nope"');

      await queue.jobs.accept('misskey', 'e3', [newJob('e3'), newJob('e4')], T0);
      for (const job of await queue.jobs.lease('discord:main', T0, 1, 1000)) await queue.jobs.deadLetter(job, 'refused', T0);
      for (const job of await queue.jobs.lease('discord:main', T0, 1, 1000)) await queue.jobs.deadLetter(job, 'refused', T0);
      expect(await retryDeadLetters(store, { ids: [newJob('e3').id] })).toBe('1 dead letter(s) queued again');
      expect(await dropDeadLetters(store, { ids: [newJob('e4').id] })).toBe('1 dead letter(s) dropped');
      expect(await store.deadLetters.list()).toEqual([]);

      const action: OperatorAction = { at: T0, platform: 'ops', action: 'dlq-replay', actor: 'ops page (127.0.0.1)', sink: 'discord', ids: [newJob('e3').id], outcome: 'done', detail: '1 dead letter(s) queued again' };
      await queue.audit.append({ at: T0 - 1, platform: 'slack', sink: 'chat', source: 'misskey', reportId: 'r1', action: 'resolve', actor: 'U1', outcome: 'done' });
      await store.audit.append(action);
      expect(await store.audit.list(10)).toEqual([action, expect.objectContaining({ platform: 'slack', reportId: 'r1' })]);
    });
  });
}


opsStoreContract('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'misskey-bridge-ops-'));
  const queue = openSqliteStore({ path: path.join(dir, 'queue.sqlite') });
  return {
    queue,
    cleanup: async () => {
      await queue.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

it('audit list prints the operator actions beside moderation from chat', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'misskey-bridge-ops-audit-'));
  const db = path.join(dir, 'audit.db');
  const config = path.join(dir, 'audit.yaml');
  fs.writeFileSync(config, `storage: { driver: sqlite, path: "${db}" }\nsources: { alice: { secret: x } }\nsinks: { t: { type: console } }\nroutes: []\n`);
  const queue = openSqliteStore({ path: db });
  await queue.audit.append({ at: 1000, platform: 'slack', sink: 'chat', source: 'system', reportId: 'r1', action: 'resolve', actor: 'U0MOD', outcome: 'done' });
  await opsStoreOf(queue).audit.append({ at: 2000, platform: 'ops', action: 'dlq-discard', actor: 'ops page (127.0.0.1)', sink: 't', ids: ['j1', 'j2'], outcome: 'done', detail: '2 dead letter(s) dropped' });
  await queue.close();
  const lines = (await auditList({ config })).split('\n');
  expect(lines[1]).toMatch(/^1970-01-01T00:00:02.000Z\s+ops page\s+t\s+ops page \(127.0.0.1\)\s+dlq-discard\s+j1 j2\s+done\s+2 dead letter\(s\) dropped$/);
  expect(lines[2]).toMatch(/slack\s+chat\s+U0MOD\s+resolve\s+system\/r1\s+done/);
  fs.rmSync(dir, { recursive: true, force: true });
});

describeRedis('Store', () => {
  opsStoreContract('redis', async () => {
    const prefix = newPrefix();
    const queue = await openRedisStore({ url: REDIS_URL, prefix });
    return {
      queue,
      cleanup: async () => {
        await queue.close();
        await destroyRedisStore(REDIS_URL, prefix);
      },
    };
  });
});
