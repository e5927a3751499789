import { openSqliteStore } from '../../src/store/sqlite/store';
import { noteEvent } from '../helpers/events';
import { comparable, DAY, describeStores, fillForMove, HOSTILE, LONE_SURROGATES, newJob, snapshotAll, T0 } from './contract';

describeStores('MigrationStore', (t) => {
  describe('snapshot and restore', () => {
    const NOW = T0 + 10_000;

    it('give the durable state of one store to another, each lane in order, once', async () => {
      const other = openSqliteStore({ path: ':memory:' });
      await fillForMove(other);
      const records = await snapshotAll(other, NOW, 2);
      expect(records.map((record) => record.kind)).toEqual([
        'sink-pause', 'lane-pause', 'message', 'message', 'seen', 'seen', 'seen', 'seen', 'seen', 'dead', 'job', 'job', 'job', 'job',
      ]);
      expect(await t.store.migration.restore(records, NOW)).toEqual(records.map(() => true));
      expect(await t.store.migration.restore(records, NOW)).toEqual(records.map(() => false));
      expect(comparable(await snapshotAll(t.store, NOW, 3))).toEqual(comparable(records));

      // and back: the other store holds the same
      const back = openSqliteStore({ path: ':memory:' });
      expect(await back.migration.restore(await snapshotAll(t.store, NOW, 1), NOW)).toEqual(records.map(() => true));
      expect(comparable(await snapshotAll(back, NOW, 100))).toEqual(comparable(records));
    });

    it('leave the restored store working: order, groups, pauses, duplicates, dead letters, messages', async () => {
      const other = openSqliteStore({ path: ':memory:' });
      await fillForMove(other);
      await t.store.migration.restore(await snapshotAll(other, NOW, 100), NOW);
      await expect(t.store.jobs.accept('misskey', 'e2', [newJob('e2')], NOW)).resolves.toBe('duplicate');
      await expect(t.store.jobs.accept('misskey', 'quiet', [], NOW)).resolves.toBe('duplicate');
      expect(await t.store.messages.find({ source: 'misskey', subject: 'note:n1', sink: 'discord' }, NOW)).toEqual({ platform: 'discord', id: 'm1', channel: 'D1' });
      expect(await t.store.pauses.list()).toEqual([{ sink: 'matrix', since: T0, by: 'ops' }]);
      expect((await t.store.deadLetters.list()).map((letter) => [letter.id, letter.attempts, letter.error])).toEqual([[newJob('e4', { sink: 'slack' }).id, 1, 'gone']]);
      // the lane pause holds discord:main until NOW + 1000; the rescheduled group comes back whole, first
      expect(await t.store.jobs.lease('discord:main', NOW, 10, 1000)).toEqual([]);
      const group = await t.store.jobs.lease('discord:main', NOW + 1000, 1, 1000);
      expect(group.map((job) => [job.eventId, job.attempts, job.history, job.batch])).toEqual([
        ['e1', 1, [{ at: T0 + 1, error: 'busy' }], newJob('e1').id],
        ['e2', 0, [], newJob('e1').id],
      ]);
      await t.store.jobs.ack(group);
      expect(t.eventIds(await t.store.jobs.lease('discord:main', NOW + 1000, 10, 1000))).toEqual(['e3']);
      expect(await t.store.jobs.lease('matrix:main', NOW + 1000, 10, 1000)).toEqual([]);
      await t.store.pauses.resume('matrix');
      expect(t.eventIds(await t.store.jobs.lease('matrix:main', NOW + 1000, 10, 1000))).toEqual(['e1']);
    });

    it('take up an interrupted copy where it stopped, behind what came meanwhile', async () => {
      const other = openSqliteStore({ path: ':memory:' });
      await t.acceptEach(['a', 'b', 'c', 'd'], T0);
      const records = await snapshotAll(t.store, NOW, 100);
      const jobs = records.filter((record) => record.kind === 'job');
      expect(await other.migration.restore(jobs.slice(0, 2), NOW)).toEqual([true, true]);
      expect(await other.migration.restore(records, NOW)).toEqual(records.map((record) => record.kind !== 'job' || !jobs.slice(0, 2).includes(record)));
      expect(t.eventIds(await other.jobs.lease('discord:main', NOW, 10, 1000))).toEqual(['a', 'b', 'c', 'd']);
    });

    it('carry hostile names and texts unchanged', async () => {
      const text = HOSTILE.join('\n');
      const name = HOSTILE.filter((one) => one !== LONE_SURROGATES).join(' ');
      const job = newJob(name, { id: `${name}#1`, source: name, route: name, sink: name, lane: name, template: text, payload: noteEvent(text) });
      await t.store.jobs.accept(name, name, [job], T0);
      const [leased] = await t.store.jobs.lease(name, T0, 1, 1000);
      // an error is stored as text: well-formed Unicode (SQLite keeps text as UTF-8)
      const error = name.replace(/ /g, '\n');
      await t.store.jobs.reschedule(leased!, T0 + 1, error, T0);
      await t.store.pauses.pause(name, T0, name);
      const records = await snapshotAll(t.store, NOW, 100);
      const other = openSqliteStore({ path: ':memory:' });
      expect(await other.migration.restore(records, NOW)).toEqual([true, true, true]);
      expect(await snapshotAll(other, NOW, 100)).toEqual(records);
      expect(await other.pauses.list()).toEqual([{ sink: name, since: T0, by: name }]);
      await other.pauses.resume(name);
      expect((await other.jobs.lease(name, NOW, 1, 1000))[0]).toEqual({ ...job, attempts: 1, createdAt: T0, availableAt: T0 + 1, history: [{ at: T0, error }], batch: job.id, lapses: 0 });
    });

    it('leave out what has ended, and copy a leased job as not leased', async () => {
      await t.store.jobs.accept('misskey', 'old', [], T0 - 8 * DAY);
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      await t.store.jobs.pauseLane('slack:main', T0 + 5);
      await t.store.messages.record({ source: 'misskey', subject: 'note:n1', sink: 'discord' }, { platform: 'discord', id: 'm1', channel: 'D1' }, T0, 5);
      const [leased] = await t.store.jobs.lease('discord:main', T0, 1, 60_000);
      const records = await snapshotAll(t.store, T0 + 10, 100);
      expect(records).toEqual([
        { kind: 'seen', source: 'misskey', eventId: 'e1', seenAt: T0 },
        { kind: 'job', job: leased },
      ]);
      const other = openSqliteStore({ path: ':memory:' });
      await other.migration.restore(records, T0 + 10);
      expect(await other.jobs.lease('discord:main', T0 + 10, 10, 1000)).toEqual([leased]);
    });
  });
});
