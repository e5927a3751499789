import type { Event } from '../../src/normalize/event';
import { StoreUnavailableError } from '../../src/store/errors';
import { DUE_COUNT_CAP } from '../../src/store/jobs';
import type { Store } from '../../src/store/store';
import { noteEvent, noteText } from '../helpers/events';
import { DAY, describeStores, fresh, HOSTILE, ids, LONE_SURROGATES, newJob, T0 } from './contract';

describeStores('JobStore', (t) => {
  describe('accept', () => {
    it('stores every job of the event, due at once', async () => {
      const a = newJob('e1');
      const b = newJob('e1', { sink: 'slack' });
      await expect(t.store.jobs.accept('misskey', 'e1', [a, b], T0)).resolves.toBe('stored');
      expect(await t.lanes(T0)).toEqual(['discord:main', 'slack:main']);
      expect(await t.store.jobs.lease('discord:main', T0, 10, 1000)).toEqual([fresh(a, T0)]);
      expect(await t.store.jobs.lease('slack:main', T0, 10, 1000)).toEqual([fresh(b, T0)]);
    });

    it('reports a second delivery of the same source and eventId as duplicate and stores nothing', async () => {
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      const again = newJob('e1', { route: 'other' });
      await expect(t.store.jobs.accept('misskey', 'e1', [again], T0 + 1)).resolves.toBe('duplicate');
      expect(ids(await t.drain('discord:main', T0 + 1))).toEqual([newJob('e1').id]);
    });

    it('dedupes an event even when it produced no jobs', async () => {
      await expect(t.store.jobs.accept('misskey', 'e1', [], T0)).resolves.toBe('stored');
      await expect(t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0)).resolves.toBe('duplicate');
      expect(await t.lanes(T0)).toEqual([]);
    });

    it('treats the same eventId from another source as a new event', async () => {
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      const other = newJob('e1', { source: 'other', id: 'other:e1' });
      await expect(t.store.jobs.accept('other', 'e1', [other], T0)).resolves.toBe('stored');
      expect(ids(await t.drain('discord:main', T0))).toEqual([newJob('e1').id, 'other:e1']);
    });

    it('ignores a job whose id is already stored', async () => {
      const job = newJob('e1');
      await t.store.jobs.accept('misskey', 'e1', [job, { ...job, payload: noteEvent('second') }], T0);
      await t.store.jobs.accept('misskey', 'e2', [{ ...job, eventId: 'e2', payload: noteEvent('third') }], T0);
      expect(await t.drain('discord:main', T0)).toEqual([fresh(job, T0)]);
    });

    it('remembers events for days, then forgets them', async () => {
      await t.store.jobs.accept('misskey', 'e1', [], T0);
      await expect(t.store.jobs.accept('misskey', 'e1', [], T0 + 6 * DAY)).resolves.toBe('duplicate');
      await expect(t.store.jobs.accept('misskey', 'e1', [], T0 + 8 * DAY)).resolves.toBe('stored');
    });

    it('rejects with StoreUnavailableError once closed', async () => {
      await t.store.close();
      await expect(t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(t.store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });

  describe('dueLanes and lease', () => {
    it.each([0, 1, 10])('leases a lane in acceptance order, not by id or time, past %i jobs not due', async (waiting) => {
      for (let i = 0; i < waiting; i++) await t.store.jobs.accept('misskey', `w${i}`, [newJob(`w${i}`)], T0 + 100);
      for (const eventId of ['c', 'a', 'b']) await t.store.jobs.accept('misskey', eventId, [newJob(eventId)], T0);
      await t.store.jobs.accept('misskey', 'd', [newJob('d')], T0 - 5);
      const jobs = await t.store.jobs.lease('discord:main', T0, 10, 1000);
      expect(jobs.map((job) => job.eventId)).toEqual(['c', 'a', 'b', 'd']);
    });

    it('lists each lane with a due job once and skips lanes whose jobs are not due yet', async () => {
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1'), newJob('e1', { sink: 'slack' })], T0);
      await t.store.jobs.accept('misskey', 'e2', [newJob('e2')], T0);
      await t.store.jobs.accept('misskey', 'e3', [newJob('e3', { lane: 'later' })], T0 + 50);
      expect(await t.lanes(T0 - 1)).toEqual([]);
      expect(await t.lanes(T0)).toEqual(['discord:main', 'slack:main']);
      expect(await t.lanes(T0 + 50)).toEqual(['discord:main', 'later', 'slack:main']);
      expect(await t.store.jobs.lease('later', T0, 10, 1000)).toEqual([]);
    });

    it('holds a lane back while one of its jobs is leased', async () => {
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      await t.store.jobs.accept('misskey', 'e2', [newJob('e2'), newJob('e2', { sink: 'slack' })], T0);
      const [first] = await t.store.jobs.lease('discord:main', T0, 1, 1000);
      expect(first?.eventId).toBe('e1');
      expect(await t.lanes(T0 + 1)).toEqual(['slack:main']);
      expect(await t.store.jobs.lease('discord:main', T0 + 1, 10, 1000)).toEqual([]);

      await t.store.jobs.ack([first!]);
      expect(await t.lanes(T0 + 2)).toEqual(['discord:main', 'slack:main']);
      expect((await t.store.jobs.lease('discord:main', T0 + 2, 10, 1000)).map((job) => job.eventId)).toEqual(['e2']);
    });

    it('leases at most `max` jobs', async () => {
      for (const eventId of ['e1', 'e2', 'e3', 'e4', 'e5']) await t.store.jobs.accept('misskey', eventId, [newJob(eventId)], T0);
      const batch = await t.store.jobs.lease('discord:main', T0, 2, 1000);
      expect(batch.map((job) => job.eventId)).toEqual(['e1', 'e2']);
      await t.store.jobs.ack(batch);
      expect((await t.store.jobs.lease('discord:main', T0, 2, 1000)).map((job) => job.eventId)).toEqual(['e3', 'e4']);
    });

    it('makes jobs due again when their lease expires, counting each lapse', async () => {
      const job = newJob('e1');
      await t.store.jobs.accept('misskey', 'e1', [job], T0);
      await t.store.jobs.lease('discord:main', T0, 10, 1000);
      expect(await t.lanes(T0 + 1000)).toEqual([]);
      expect(await t.store.jobs.lease('discord:main', T0 + 1000, 10, 1000)).toEqual([]);
      expect(await t.lanes(T0 + 1001)).toEqual(['discord:main']);
      expect(await t.store.jobs.lease('discord:main', T0 + 1001, 10, 1000)).toEqual([{ ...fresh(job, T0), lapses: 1 }]);
      expect(await t.store.jobs.lease('discord:main', T0 + 2002, 10, 1000)).toEqual([{ ...fresh(job, T0), lapses: 2 }]);
    });

    it('counts no lapse for a lease that was settled', async () => {
      const job = newJob('e1');
      await t.store.jobs.accept('misskey', 'e1', [job], T0);
      await t.store.jobs.release(await t.store.jobs.lease('discord:main', T0, 10, 1000), T0 + 1);
      const [again] = await t.store.jobs.lease('discord:main', T0 + 1, 10, 1000);
      await t.store.jobs.reschedule(again!, T0 + 2, 'busy', T0 + 1);
      expect((await t.store.jobs.lease('discord:main', T0 + 2, 10, 1000))[0]?.lapses).toBe(0);
    });
  });

  describe('waiting and drop', () => {
    it('lists the waiting jobs in the order they were stored, by sink, leased ones marked, without payloads', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      await t.acceptEach(['e3'], T0 + 1, { sink: 'slack', lane: 'slack:main' });
      await t.store.jobs.lease('discord:main', T0 + 2, 1, 1000);
      const all = await t.store.jobs.waiting(T0 + 3, 10);
      expect(all.map((job) => [job.id, job.sink, job.event, job.leased])).toEqual([
        [newJob('e1').id, 'discord', 'note', true],
        [newJob('e2').id, 'discord', 'note', false],
        [newJob('e3', { sink: 'slack' }).id, 'slack', 'note', false],
      ]);
      expect(all[0]).toEqual({ id: newJob('e1').id, sink: 'discord', lane: 'discord:main', event: 'note', createdAt: T0, availableAt: T0, attempts: 0, lapses: 0, leased: true });
      expect((await t.store.jobs.waiting(T0 + 3, 10, 'slack')).map((job) => job.sink)).toEqual(['slack']);
      expect(await t.store.jobs.waiting(T0 + 3, 1)).toHaveLength(1);
    });

    it('drops waiting jobs by id, never one a process holds, and forgets them for every read', async () => {
      await t.acceptEach(['e1', 'e2', 'e3'], T0);
      await t.store.jobs.lease('discord:main', T0, 1, 1000);
      const [e1, e2, e3] = ['e1', 'e2', 'e3'].map((id) => newJob(id).id);
      expect(await t.store.jobs.drop([e1!, e2!, e2!, 'no-such-job'], T0 + 1)).toBe(1);
      expect((await t.store.jobs.waiting(T0 + 1, 10)).map((job) => job.id)).toEqual([e1, e3]);
      expect((await t.store.jobs.stats())[0]?.depth).toBe(2);
      // once the lease has run out, the job may go too
      expect(await t.store.jobs.drop([e1!], T0 + 1001)).toBe(1);
      expect(t.eventIds(await t.drain('discord:main', T0 + 1001))).toEqual(['e3']);
    });
  });

  describe('dueLanes counts', () => {
    it('counts the due jobs of each lane that is not leased', async () => {
      await t.acceptEach(['e1', 'e2', 'e3'], T0);
      await t.acceptEach(['e4'], T0 + 50);
      await t.acceptEach(['e5'], T0, { sink: 'slack' });
      expect(await t.dueCounts(T0)).toEqual([
        { lane: 'discord:main', due: 3 },
        { lane: 'slack:main', due: 1 },
      ]);
      expect(await t.dueCounts(T0 + 50)).toContainEqual({ lane: 'discord:main', due: 4 });

      await t.store.jobs.lease('discord:main', T0 + 50, 2, 1000);
      expect(await t.dueCounts(T0 + 60)).toEqual([{ lane: 'slack:main', due: 1 }]);
      // an expired lease's jobs are due again
      expect(await t.dueCounts(T0 + 1051)).toEqual([
        { lane: 'discord:main', due: 4 },
        { lane: 'slack:main', due: 1 },
      ]);
    });

    it(`stops counting at ${DUE_COUNT_CAP}`, async () => {
      const many = Array.from({ length: DUE_COUNT_CAP + 20 }, (_, i) => newJob('big', { id: `big:${i}`, lane: 'big' }));
      await t.store.jobs.accept('misskey', 'big', many, T0);
      await t.acceptEach(['e1'], T0);
      expect(await t.dueCounts(T0)).toEqual([
        { lane: 'big', due: DUE_COUNT_CAP },
        { lane: 'discord:main', due: 1 },
      ]);
      expect(await t.store.jobs.lease('big', T0, 1000, 1000)).toHaveLength(DUE_COUNT_CAP + 20);
    });
  });

  describe('lane pauses', () => {
    it('hide the lane from dueLanes and lease until the pause ends, leaving other lanes alone', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      await t.acceptEach(['e3'], T0, { sink: 'slack' });
      await t.store.jobs.pauseLane('discord:main', T0 + 1000);

      expect(await t.dueCounts(T0)).toEqual([{ lane: 'slack:main', due: 1 }]);
      expect(await t.lanes(T0 + 999)).toEqual(['slack:main']);
      expect(await t.store.jobs.lease('discord:main', T0 + 999, 10, 1000)).toEqual([]);
      expect(t.eventIds(await t.drain('slack:main', T0 + 1))).toEqual(['e3']);

      expect(await t.dueCounts(T0 + 1000)).toEqual([{ lane: 'discord:main', due: 2 }]);
      expect(await t.store.jobs.lease('discord:main', T0 + 1000, 10, 1000)).toEqual([
        fresh(newJob('e1'), T0),
        fresh(newJob('e2'), T0, newJob('e1').id),
      ]);
    });

    it('are never shortened, only extended', async () => {
      await t.acceptEach(['e1'], T0);
      await t.store.jobs.pauseLane('discord:main', T0 + 5000);
      await t.store.jobs.pauseLane('discord:main', T0 + 1000);
      expect(await t.lanes(T0 + 4999)).toEqual([]);
      expect(await t.lanes(T0 + 5000)).toEqual(['discord:main']);

      await t.store.jobs.pauseLane('discord:main', T0 + 8000);
      expect(await t.lanes(T0 + 5000)).toEqual([]);
      expect(await t.store.jobs.lease('discord:main', T0 + 7999, 10, 1000)).toEqual([]);
      expect(t.eventIds(await t.drain('discord:main', T0 + 8000))).toEqual(['e1']);
    });

    it('hold jobs that arrive during the pause, also in a lane that had none', async () => {
      await t.store.jobs.pauseLane('discord:main', T0 + 1000);
      await t.acceptEach(['e1'], T0 + 10);
      expect(await t.lanes(T0 + 10)).toEqual([]);
      expect(await t.store.jobs.lease('discord:main', T0 + 10, 10, 1000)).toEqual([]);
      expect(await t.lanes(T0 + 1000)).toEqual(['discord:main']);
    });

    it('do not touch the jobs: a lease taken before the pause is settled as usual', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      const [first] = await t.store.jobs.lease('discord:main', T0, 1, 1000);
      await t.store.jobs.pauseLane('discord:main', T0 + 3000);
      await t.store.jobs.ack([first!]);
      expect(await t.lanes(T0 + 2999)).toEqual([]);
      expect(await t.store.jobs.stats()).toEqual([{ sink: 'discord', lane: 'discord:main', depth: 1, oldestAt: T0 }]);
      expect(t.eventIds(await t.drain('discord:main', T0 + 3000))).toEqual(['e2']);
    });

    it('survive closing and reopening the store', async () => {
      await t.acceptEach(['e1'], T0);
      await t.store.jobs.pauseLane('discord:main', T0 + 1000);
      await t.reopen();
      expect(await t.lanes(T0 + 999)).toEqual([]);
      expect(await t.store.jobs.lease('discord:main', T0 + 999, 10, 1000)).toEqual([]);
      expect(t.eventIds(await t.drain('discord:main', T0 + 1000))).toEqual(['e1']);
    });
  });

  describe('lease renewal', () => {
    it('extends a lease still held, so no one else leases the lane meanwhile', async () => {
      await t.acceptEach(['e1', 'e2'], T0);
      const leased = await t.store.jobs.lease('discord:main', T0, 1, 1000);
      await expect(t.store.jobs.renew(leased, T0 + 900, T0 + 1900)).resolves.toBe(true);
      expect(await t.store.jobs.lease('discord:main', T0 + 1500, 1, 1000)).toEqual([]);
      expect(await t.lanes(T0 + 1500)).toEqual([]);
      expect(t.eventIds(await t.store.jobs.lease('discord:main', T0 + 1901, 1, 1000))).toEqual(['e1']);
    });

    it('says false for a lease that ran out, and does not take it back', async () => {
      await t.acceptEach(['e1'], T0);
      const leased = await t.store.jobs.lease('discord:main', T0, 1, 1000);
      await expect(t.store.jobs.renew(leased, T0 + 1001, T0 + 5000)).resolves.toBe(false);
      // out of its lease, the job is another instance's to take
      expect(t.eventIds(await t.store.jobs.lease('discord:main', T0 + 1001, 1, 1000))).toEqual(['e1']);
    });

    it('says false for jobs settled meanwhile', async () => {
      await t.acceptEach(['e1'], T0);
      const leased = await t.store.jobs.lease('discord:main', T0, 1, 1000);
      await t.store.jobs.ack(leased);
      await expect(t.store.jobs.renew(leased, T0 + 10, T0 + 5000)).resolves.toBe(false);
    });
  });

  describe('settling', () => {
    it('ack forgets the job', async () => {
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      const [job] = await t.store.jobs.lease('discord:main', T0, 10, 1000);
      await t.store.jobs.ack([job!]);
      await t.store.jobs.ack([job!]);
      expect(await t.lanes(T0 + 5000)).toEqual([]);
      expect(await t.store.jobs.stats()).toEqual([]);
    });

    it('reschedule delays the job, counts the attempt, records the error and frees the lane', async () => {
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      await t.store.jobs.accept('misskey', 'e2', [newJob('e2')], T0);
      const [job] = await t.store.jobs.lease('discord:main', T0, 1, 1000);
      await t.store.jobs.reschedule(job!, T0 + 5000, 'HTTP 502', T0 + 10);

      // the lane is free again: the next due job goes while the failed one waits
      expect(await t.lanes(T0 + 11)).toEqual(['discord:main']);
      expect((await t.drain('discord:main', T0 + 11)).map((j) => j.eventId)).toEqual(['e2']);
      expect(await t.lanes(T0 + 4999)).toEqual([]);

      const [again] = await t.store.jobs.lease('discord:main', T0 + 5000, 10, 1000);
      expect(again).toEqual({
        ...fresh(newJob('e1'), T0),
        availableAt: T0 + 5000,
        attempts: 1,
        history: [{ at: T0 + 10, error: 'HTTP 502' }],
      });
      await t.store.jobs.reschedule(again!, T0 + 9000, 'timeout', T0 + 5001);
      const [third] = await t.store.jobs.lease('discord:main', T0 + 9000, 10, 1000);
      expect(third?.attempts).toBe(2);
      expect(third?.history).toEqual([
        { at: T0 + 10, error: 'HTTP 502' },
        { at: T0 + 5001, error: 'timeout' },
      ]);
    });
  });

  describe('stats', () => {
    it('counts waiting jobs per sink and lane with the oldest creation time', async () => {
      expect(await t.store.jobs.stats()).toEqual([]);
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      await t.store.jobs.accept('misskey', 'e2', [newJob('e2'), newJob('e2', { sink: 'slack' })], T0 + 5);
      await t.store.jobs.accept('misskey', 'e3', [newJob('e3', { lane: 'discord:other' })], T0 + 7);
      const byLane = (stats: Awaited<ReturnType<Store['jobs']['stats']>>) =>
        [...stats].sort((a, b) => (a.lane < b.lane ? -1 : 1));
      expect(byLane(await t.store.jobs.stats())).toEqual([
        { sink: 'discord', lane: 'discord:main', depth: 2, oldestAt: T0 },
        { sink: 'discord', lane: 'discord:other', depth: 1, oldestAt: T0 + 7 },
        { sink: 'slack', lane: 'slack:main', depth: 1, oldestAt: T0 + 5 },
      ]);

      const [first] = await t.store.jobs.lease('discord:main', T0 + 10, 1, 1000);
      await t.store.jobs.ack([first!]);
      expect(byLane(await t.store.jobs.stats())[0]).toEqual({ sink: 'discord', lane: 'discord:main', depth: 1, oldestAt: T0 + 5 });
    });
  });

  describe('round trip', () => {
    const hostile = noteEvent(HOSTILE.join('\n'));
    const full: Event = { ...hostile, host: HOSTILE[0]!, note: { ...hostile.note, cw: HOSTILE[2]!, emojis: { [HOSTILE[4]!]: HOSTILE[3]! } } };

    it('returns events unchanged, through lease, dead letters and retry', async () => {
      const big = noteEvent('x'.repeat(200_000));
      const jobs = [newJob('e1', { payload: full, template: HOSTILE[1]! }), newJob('e1', { sink: 'slack', payload: big })];
      await t.store.jobs.accept('misskey', 'e1', jobs, T0);
      expect(await t.store.jobs.lease('discord:main', T0, 10, 1000)).toEqual([fresh(jobs[0]!, T0)]);
      const [bigJob] = await t.store.jobs.lease('slack:main', T0, 10, 1000);
      expect(bigJob).toEqual(fresh(jobs[1]!, T0));

      await t.store.jobs.deadLetter(bigJob!, HOSTILE[1]!, T0 + 1);
      const [letter] = await t.store.deadLetters.list();
      expect(letter?.payload).toEqual(big);
      expect(letter?.error).toBe(HOSTILE[1]);
      await t.store.deadLetters.retry({ all: true }, T0 + 2);
      expect((await t.store.jobs.lease('slack:main', T0 + 2, 10, 1000))[0]?.payload).toEqual(big);
    });

    // identifiers are well-formed Unicode (SQLite stores text as UTF-8); only events and template names must carry anything
    const keys = HOSTILE.filter((text) => text !== LONE_SURROGATES);

    it('keeps hostile source, event ids, routes, sinks and lanes apart', async () => {
      for (const [i, text] of keys.entries()) {
        const job = newJob(text, { id: `${text}#${i}`, source: text, route: text, sink: text, lane: text, payload: full });
        await expect(t.store.jobs.accept(text, text, [job], T0 + i)).resolves.toBe('stored');
        await expect(t.store.jobs.accept(text, text, [job], T0 + i)).resolves.toBe('duplicate');
        expect(await t.store.jobs.lease(text, T0 + i, 10, 1000)).toEqual([fresh(job, T0 + i)]);
      }
      expect((await t.store.jobs.stats()).map((stats) => stats.lane).sort()).toEqual([...keys].sort());
    });

    it('does not share objects with the caller', async () => {
      const job = newJob('e1');
      await t.store.jobs.accept('misskey', 'e1', [job], T0);
      (job.payload as { note: { text: string } }).note.text = 'changed after accept';
      const [leased] = await t.store.jobs.lease('discord:main', T0, 10, 1000);
      expect(noteText(leased!.payload)).toBe('event e1');
      leased!.history.push({ at: 0, error: 'mutated' });
      (leased!.payload as { note: { text: string } }).note.text = 'changed after lease';
      await t.store.jobs.reschedule(leased!, T0, 'real', T0);
      const [again] = await t.store.jobs.lease('discord:main', T0, 10, 1000);
      expect(noteText(again!.payload)).toBe('event e1');
      expect(again?.history).toEqual([{ at: T0, error: 'real' }]);
    });
  });
});
