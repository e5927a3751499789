import type { Job } from '../../src/store/jobs';
import type { Hold } from '../../src/route/hold';
import { describeStores, fresh, newJob, T0 } from './contract';

describeStores('JobStore groups and holds', (t) => {
  describe('groups', () => {
    it("gives every job of a lease the first job's id as batch", async () => {
      await t.acceptEach(['e1', 'e2', 'e3'], T0);
      const first = newJob('e1').id;
      const group = await t.store.jobs.lease('discord:main', T0, 2, 1000);
      expect(group).toEqual([fresh(newJob('e1'), T0, first), fresh(newJob('e2'), T0, first)]);
      await t.store.jobs.ack(group);
      expect(await t.store.jobs.lease('discord:main', T0, 2, 1000)).toEqual([fresh(newJob('e3'), T0)]);
    });

    it('leases the same group again after its lease expired, whatever max, even when more jobs arrived', async () => {
      await t.acceptEach(['e1', 'e2', 'e3'], T0);
      const group = await t.store.jobs.lease('discord:main', T0, 2, 1000);
      await t.acceptEach(['e4'], T0 + 10);

      const lapsed = (lapses: number) => group.map((job) => ({ ...job, lapses }));
      expect(await t.store.jobs.lease('discord:main', T0 + 1001, 10, 1000)).toEqual(lapsed(1));
      expect(await t.store.jobs.lease('discord:main', T0 + 2002, 1, 1000)).toEqual(lapsed(2));
      expect(await t.store.jobs.lease('discord:main', T0 + 2500, 10, 1000)).toEqual([]);
      await t.store.jobs.ack(group);
      expect(t.eventIds(await t.store.jobs.lease('discord:main', T0 + 2500, 10, 1000))).toEqual(['e3', 'e4']);
    });

    it('keeps a rescheduled group together, also when some of its jobs are gone', async () => {
      await t.acceptEach(['e1', 'e2', 'e3'], T0);
      const group = await t.store.jobs.lease('discord:main', T0, 3, 1000);
      for (const job of group) await t.store.jobs.reschedule(job, T0 + 5000, 'HTTP 502', T0 + 1);
      await t.acceptEach(['e4'], T0 + 10);
      expect(t.eventIds(await t.drain('discord:main', T0 + 10))).toEqual(['e4']);

      const again = await t.store.jobs.lease('discord:main', T0 + 5000, 1, 1000);
      expect(again).toEqual(
        group.map((job) => ({ ...job, availableAt: T0 + 5000, attempts: 1, history: [{ at: T0 + 1, error: 'HTTP 502' }] })),
      );

      // the first job is delivered, the others fail again: they stay in the group it named
      await t.store.jobs.ack([again[0]!]);
      for (const job of again.slice(1)) await t.store.jobs.reschedule(job, T0 + 6000, 'HTTP 502', T0 + 5001);
      await t.acceptEach(['e5'], T0 + 5002);
      const rest = await t.store.jobs.lease('discord:main', T0 + 6000, 10, 1000);
      expect(t.eventIds(rest)).toEqual(['e2', 'e3']);
      expect(rest.map((job) => job.batch)).toEqual([newJob('e1').id, newJob('e1').id]);
    });

    it('takes only the due jobs of a group', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      const [first, second] = await t.store.jobs.lease('discord:main', T0, 2, 1000);
      await t.store.jobs.reschedule(first!, T0 + 100, 'HTTP 500', T0 + 1);
      await t.store.jobs.reschedule(second!, T0 + 200, 'HTTP 500', T0 + 1);
      expect(t.eventIds(await t.store.jobs.lease('discord:main', T0 + 100, 10, 1000))).toEqual(['e1']);
    });

    it('never puts a job of one group into a new group', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      await t.store.jobs.release(await t.store.jobs.lease('discord:main', T0, 1, 1000), T0 + 100);
      const [second] = await t.store.jobs.lease('discord:main', T0 + 1, 10, 1000);
      expect(second).toEqual(fresh(newJob('e2'), T0));
      await t.store.jobs.reschedule(second!, T0 + 100, 'HTTP 500', T0 + 2);

      // e1 is free and first in line, e2 still belongs to its own group
      const [first, ...others] = await t.store.jobs.lease('discord:main', T0 + 100, 10, 1000);
      expect(others).toEqual([]);
      expect(first).toEqual({ ...fresh(newJob('e1'), T0), availableAt: T0 + 100 });
      await t.store.jobs.ack([first!]);
      expect(await t.store.jobs.lease('discord:main', T0 + 100, 10, 1000)).toMatchObject([{ eventId: 'e2', batch: second!.id, attempts: 1 }]);
    });

    it('release ungroups the jobs, makes them due at the given time, keeps their place and counts no attempt', async () => {
      await t.acceptEach(['e1', 'e2', 'e3'], T0);
      const group = await t.store.jobs.lease('discord:main', T0, 2, 1000);
      for (const job of group) await t.store.jobs.reschedule(job, T0 + 2, 'HTTP 500', T0 + 1);
      const again = await t.store.jobs.lease('discord:main', T0 + 2, 10, 1000);
      expect(t.eventIds(again)).toEqual(['e1', 'e2']);

      await t.store.jobs.release(again, T0 + 100);
      // the lane is free at once; only e3 is due before the given time
      expect(await t.dueCounts(T0 + 3)).toEqual([{ lane: 'discord:main', due: 1 }]);
      expect(await t.dueCounts(T0 + 100)).toEqual([{ lane: 'discord:main', due: 3 }]);

      const history = [{ at: T0 + 1, error: 'HTTP 500' }];
      const alone = await t.store.jobs.lease('discord:main', T0 + 100, 1, 1000);
      expect(alone).toEqual([{ ...fresh(newJob('e1'), T0), availableAt: T0 + 100, attempts: 1, history }]);
      await t.store.jobs.release(alone, T0 + 100);
      const regrouped = await t.store.jobs.lease('discord:main', T0 + 100, 10, 1000);
      expect(regrouped).toEqual([
        { ...fresh(newJob('e1'), T0), availableAt: T0 + 100, attempts: 1, history },
        { ...fresh(newJob('e2'), T0, newJob('e1').id), availableAt: T0 + 100, attempts: 1, history },
        fresh(newJob('e3'), T0, newJob('e1').id),
      ]);
    });

    it('retryDead takes a job out of its group', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      const [first, second] = await t.store.jobs.lease('discord:main', T0, 2, 1000);
      await t.store.jobs.reschedule(first!, T0 + 5000, 'HTTP 500', T0 + 1);
      await t.store.jobs.deadLetter(second!, 'HTTP 400', T0 + 1);
      expect((await t.store.deadLetters.list())[0]?.batch).toBe(first!.id);

      await t.store.deadLetters.retry({ all: true }, T0 + 100);
      expect(await t.store.jobs.lease('discord:main', T0 + 100, 10, 1000)).toEqual([
        { ...fresh(newJob('e2'), T0), availableAt: T0 + 100, history: [{ at: T0 + 1, error: 'HTTP 400' }] },
      ]);
    });
  });

  describe('held jobs (summaries)', () => {
    const SUMMARY: Hold = { until: T0 + 30_000, group: 'hold:summary-1', kind: 'group' };
    /** one event per eventId, each with one job held for `hold`, accepted at `now` */
    async function acceptHeld(eventIds: string[], now: number, hold = SUMMARY): Promise<void> {
      for (const eventId of eventIds) await t.store.jobs.accept('misskey', eventId, [newJob(eventId, { hold })], now);
    }
    const held = (eventId: string, createdAt: number, hold = SUMMARY): Job => ({
      ...newJob(eventId, { hold }),
      attempts: 0,
      createdAt,
      availableAt: hold.until,
      history: [],
      batch: hold.group,
      lapses: 0,
    });

    it('are due at the hold time, all together, and leased as one group whatever max, ordinary jobs going first', async () => {
      await acceptHeld(['h1', 'h2'], T0);
      await t.acceptEach(['e1'], T0 + 1);
      await acceptHeld(['h3'], T0 + 2);
      expect(await t.dueCounts(T0 + 29_999)).toEqual([{ lane: 'discord:main', due: 1 }]);
      expect(t.eventIds(await t.drain('discord:main', T0 + 29_999))).toEqual(['e1']);
      expect(await t.store.jobs.lease('discord:main', T0 + 29_999, 10, 1000)).toEqual([]);

      expect(await t.dueCounts(SUMMARY.until)).toEqual([{ lane: 'discord:main', due: 3 }]);
      const summary = await t.store.jobs.lease('discord:main', SUMMARY.until, 1, 1000);
      expect(summary).toEqual([held('h1', T0), held('h2', T0), held('h3', T0 + 2)]);
      await t.store.jobs.ack(summary);
      expect(await t.store.jobs.stats()).toEqual([]);
    });

    it('a fresh group of ordinary jobs stops short of a due summary; two summaries never mix', async () => {
      const other: Hold = { until: T0 + 30_000, group: 'hold:summary-2' };
      await t.acceptEach(['e1'], T0);
      await acceptHeld(['h1'], T0 + 1);
      await acceptHeld(['x1'], T0 + 2, other);
      await t.acceptEach(['e2'], T0 + 3);
      await acceptHeld(['h2'], T0 + 4);
      const leases: string[][] = [];
      for (let i = 0; i < 4; i += 1) leases.push(t.eventIds(await t.drain('discord:main', SUMMARY.until)));
      expect(leases).toEqual([['e1'], ['h1', 'h2'], ['x1'], ['e2']]);
    });

    it('keep their group through release (a rate-limit wait) and through a reschedule: a summary is never split', async () => {
      await acceptHeld(['h1', 'h2', 'h3'], T0);
      const summary = await t.store.jobs.lease('discord:main', SUMMARY.until, 1, 1000);
      await t.store.jobs.release(summary, SUMMARY.until + 5000);
      await t.acceptEach(['e1'], SUMMARY.until + 1);
      expect(t.eventIds(await t.store.jobs.lease('discord:main', SUMMARY.until + 1, 10, 1000))).toEqual(['e1']);

      const again = await t.store.jobs.lease('discord:main', SUMMARY.until + 5000, 1, 1000);
      expect(again).toEqual(summary.map((job) => ({ ...job, availableAt: SUMMARY.until + 5000 })));
      for (const job of again) await t.store.jobs.reschedule(job, SUMMARY.until + 9000, 'HTTP 502', SUMMARY.until + 5001);
      const third = await t.store.jobs.lease('discord:main', SUMMARY.until + 9000, 1, 1000);
      expect(t.eventIds(third)).toEqual(['h1', 'h2', 'h3']);
      expect(third.map((job) => job.batch)).toEqual([SUMMARY.group, SUMMARY.group, SUMMARY.group]);
      expect(third.every((job) => job.attempts === 1)).toBe(true);
    });

    it('survive a restart of the store, held and grouped', async () => {
      await acceptHeld(['h1', 'h2'], T0);
      await t.reopen();
      expect(await t.store.jobs.lease('discord:main', T0 + 1, 10, 1000)).toEqual([]);
      expect(await t.store.jobs.lease('discord:main', SUMMARY.until, 1, 1000)).toEqual([held('h1', T0), held('h2', T0)]);
    });

    it('dead letters keep the hold; retried, they come back as ordinary jobs, one by one', async () => {
      await acceptHeld(['h1', 'h2'], T0);
      const summary = await t.store.jobs.lease('discord:main', SUMMARY.until, 1, 1000);
      for (const job of summary) await t.store.jobs.deadLetter(job, 'HTTP 400', SUMMARY.until);
      const letters = await t.store.deadLetters.list();
      expect(letters.map((letter) => [letter.hold, letter.batch])).toEqual([
        [SUMMARY, SUMMARY.group],
        [SUMMARY, SUMMARY.group],
      ]);

      await t.store.deadLetters.retry({ all: true }, SUMMARY.until + 10);
      const [first] = await t.store.jobs.lease('discord:main', SUMMARY.until + 10, 1, 1000);
      expect(first).toMatchObject({ eventId: 'h1', batch: first!.id, availableAt: SUMMARY.until + 10 });
      expect(first!.hold).toBeUndefined();
      // released (a rate-limit wait), it stays an ordinary job
      await t.store.jobs.release([first!], SUMMARY.until + 20);
      const next = await t.store.jobs.lease('discord:main', SUMMARY.until + 20, 10, 1000);
      expect(next.map((job) => [job.eventId, job.batch])).toEqual([
        ['h1', first!.id],
        ['h2', first!.id],
      ]);
    });

    it('pendingHolds lists each summary still waiting once, until its jobs are delivered or dead', async () => {
      const other: Hold = { until: T0 + 60_000, group: 'hold:summary-2', kind: 'group', key: '["social","discord","followed"]' };
      expect(await t.store.jobs.pendingHolds()).toEqual([]);
      await acceptHeld(['h1', 'h2'], T0);
      await acceptHeld(['x1'], T0, other);
      await t.acceptEach(['e1'], T0);
      const byGroup = (holds: Hold[]) => [...holds].sort((a, b) => (a.group < b.group ? -1 : 1));
      expect(byGroup(await t.store.jobs.pendingHolds())).toEqual([SUMMARY, other]);

      // leased and released (a rate-limit wait): still pending
      await t.store.jobs.release(await t.store.jobs.lease('discord:main', SUMMARY.until, 10, 1000), SUMMARY.until + 10);
      await t.reopen();
      expect(byGroup(await t.store.jobs.pendingHolds())).toEqual([SUMMARY, other]);

      await t.store.jobs.ack(await t.store.jobs.lease('discord:main', SUMMARY.until + 10, 10, 1000));
      expect(await t.store.jobs.pendingHolds()).toEqual([other]);
      const [x1] = await t.store.jobs.lease('discord:main', other.until, 10, 1000);
      await t.store.jobs.deadLetter(x1!, 'HTTP 400', other.until);
      expect(await t.store.jobs.pendingHolds()).toEqual([]);
      await t.store.deadLetters.retry({ all: true }, other.until);
      expect(await t.store.jobs.pendingHolds()).toEqual([]);
    });
  });
});
