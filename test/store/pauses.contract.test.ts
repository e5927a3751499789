import { DUE_COUNT_CAP } from '../../src/store/jobs';
import { describeStores, fresh, ids, newJob, T0 } from './contract';

describeStores('PauseStore', (t) => {
  describe('sink pauses', () => {
    it('hold the sink: its jobs are neither due nor leased, other sinks go on', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      await t.acceptEach(['e3'], T0, { sink: 'slack' });
      await t.store.pauses.pause('discord', T0);

      expect(await t.dueCounts(T0 + 1)).toEqual([{ lane: 'slack:main', due: 1 }]);
      expect(await t.store.jobs.lease('discord:main', T0 + 1, 10, 1000)).toEqual([]);
      expect(t.eventIds(await t.drain('slack:main', T0 + 1))).toEqual(['e3']);
      // jobs arriving during the pause wait too
      await t.acceptEach(['e4'], T0 + 2);
      expect(await t.dueCounts(T0 + 10_000)).toEqual([]);
      expect(await t.store.jobs.lease('discord:main', T0 + 10_000, 10, 1000)).toEqual([]);
    });

    it('resume makes the jobs due again, in order', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      await t.store.pauses.pause('discord', T0);
      await t.acceptEach(['e3'], T0 + 1);
      await t.store.pauses.resume('discord');
      expect(await t.dueCounts(T0 + 2)).toEqual([{ lane: 'discord:main', due: 3 }]);
      expect(await t.store.jobs.lease('discord:main', T0 + 2, 10, 1000)).toEqual([
        fresh(newJob('e1'), T0),
        fresh(newJob('e2'), T0, newJob('e1').id),
        fresh(newJob('e3'), T0 + 1, newJob('e1').id),
      ]);
    });

    it('are listed with their first time; pausing twice and resuming a running sink are fine', async () => {
      expect(await t.store.pauses.list()).toEqual([]);
      await t.store.pauses.resume('discord');
      await t.store.pauses.pause('slack', T0, 'alice@ops');
      await t.store.pauses.pause('discord', T0 + 5);
      await t.store.pauses.pause('discord', T0 + 9, 'bob');
      expect(await t.store.pauses.list()).toEqual([
        { sink: 'discord', since: T0 + 5 },
        { sink: 'slack', since: T0, by: 'alice@ops' },
      ]);
      await t.store.pauses.resume('discord');
      await t.store.pauses.resume('discord');
      expect(await t.store.pauses.list()).toEqual([{ sink: 'slack', since: T0, by: 'alice@ops' }]);
    });

    it('leave stats counting the waiting jobs', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      await t.store.pauses.pause('discord', T0);
      expect(await t.store.jobs.stats()).toEqual([{ sink: 'discord', lane: 'discord:main', depth: 2, oldestAt: T0 }]);
    });

    it('in a lane two sinks share, pass over the paused sink only: its jobs keep their place', async () => {
      const shared = { lane: 'room' };
      await t.acceptEach(['a1'], T0, { ...shared, sink: 'a' });
      await t.acceptEach(['b1', 'b2'], T0, { ...shared, sink: 'b' });
      await t.acceptEach(['a2'], T0, { ...shared, sink: 'a' });
      await t.acceptEach(['b3'], T0, { ...shared, sink: 'b' });
      await t.store.pauses.pause('a', T0);

      expect(await t.dueCounts(T0)).toEqual([{ lane: 'room', due: 3 }]);
      const first = await t.store.jobs.lease('room', T0, 2, 1000);
      expect(t.eventIds(first)).toEqual(['b1', 'b2']);
      await t.store.jobs.ack(first);
      expect(t.eventIds(await t.drain('room', T0))).toEqual(['b3']);
      expect(await t.dueCounts(T0)).toEqual([]);

      await t.store.pauses.resume('a');
      expect(t.eventIds(await t.drain('room', T0))).toEqual(['a1', 'a2']);
    });

    it('let a lease taken before the pause be settled; a rescheduled group waits and comes back whole', async () => {
      await t.acceptEach(['e1', 'e2', 'e3'], T0);
      const group = await t.store.jobs.lease('discord:main', T0, 2, 1000);
      await t.store.pauses.pause('discord', T0 + 1);
      // still leased: the lane is held as usual
      expect(await t.store.jobs.lease('discord:main', T0 + 2, 10, 1000)).toEqual([]);
      for (const job of group) await t.store.jobs.reschedule(job, T0 + 10, 'HTTP 502', T0 + 2);
      expect(await t.dueCounts(T0 + 10)).toEqual([]);
      expect(await t.store.jobs.lease('discord:main', T0 + 10, 10, 1000)).toEqual([]);

      await t.store.pauses.resume('discord');
      expect(t.eventIds(await t.store.jobs.lease('discord:main', T0 + 10, 10, 1000))).toEqual(['e1', 'e2']);
    });

    it('survive closing and reopening the store', async () => {
      await t.acceptEach(['e1'], T0);
      await t.store.pauses.pause('discord', T0, 'ops');
      await t.reopen();
      expect(await t.store.pauses.list()).toEqual([{ sink: 'discord', since: T0, by: 'ops' }]);
      expect(await t.lanes(T0 + 1)).toEqual([]);
      await t.store.pauses.resume('discord');
      expect(t.eventIds(await t.drain('discord:main', T0 + 1))).toEqual(['e1']);
    });

    it(`count a shared lane's running jobs up to ${DUE_COUNT_CAP}, past many paused ones`, async () => {
      const paused = Array.from({ length: DUE_COUNT_CAP + 20 }, (_, i) => newJob('p', { id: `p:${i}`, lane: 'room', sink: 'a' }));
      const running = Array.from({ length: DUE_COUNT_CAP + 5 }, (_, i) => newJob('r', { id: `r:${i}`, lane: 'room', sink: 'b' }));
      await t.store.jobs.accept('misskey', 'p', paused, T0);
      await t.store.jobs.accept('misskey', 'r', running, T0);
      await t.store.pauses.pause('a', T0);
      expect(await t.dueCounts(T0)).toEqual([{ lane: 'room', due: DUE_COUNT_CAP }]);
      expect(ids(await t.store.jobs.lease('room', T0, 3, 1000))).toEqual(['r:0', 'r:1', 'r:2']);
    });
  });
});
