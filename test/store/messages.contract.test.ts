import type { Event } from '../../src/normalize/event';
import type { NewJob } from '../../src/store/jobs';
import { noteEvent } from '../helpers/events';
import { DAY, describeStores, newJob, T0 } from './contract';

describeStores('MessageStore', (t) => {
  describe('message map', () => {
    const KEEP = 30 * DAY;
    const key = (subject: string, sink = 'discord') => ({ source: 'misskey', subject, sink });
    const ref = (id: string) => ({ platform: 'slack' as const, id, channel: 'C0ALERTS01', thread: '1.000001' });
    /** a job posting note `noteId` (its payload's note id) */
    const posting = (eventId: string, noteId: string, overrides: Partial<NewJob> = {}) => {
      const payload = noteEvent(`note ${noteId}`);
      (payload as { note: { id: string } }).note.id = noteId;
      return newJob(eventId, { payload, ...overrides });
    };

    it('finds what was recorded, per source, subject and sink; a later record replaces it', async () => {
      await t.store.messages.record(key('note:n1'), ref('1.1'), T0, KEEP);
      await t.store.messages.record(key('note:n1', 'slack'), ref('2.2'), T0, KEEP);
      expect(await t.store.messages.find(key('note:n1'), T0 + 1)).toEqual(ref('1.1'));
      expect(await t.store.messages.find(key('note:n1', 'slack'), T0 + 1)).toEqual(ref('2.2'));
      expect(await t.store.messages.find({ ...key('note:n1'), source: 'other' }, T0 + 1)).toBeNull();
      expect(await t.store.messages.find(key('report:n1'), T0 + 1)).toBeNull();
      await t.store.messages.record(key('note:n1'), ref('3.3'), T0 + 5, KEEP);
      expect(await t.store.messages.find(key('note:n1'), T0 + 6)).toEqual(ref('3.3'));
    });

    it('forgets an entry after keep', async () => {
      await t.store.messages.record(key('note:old'), ref('1.1'), T0, 1000);
      await t.store.messages.record(key('note:new'), ref('2.2'), T0 + 500, 1000);
      expect(await t.store.messages.find(key('note:old'), T0 + 1000)).toEqual(ref('1.1'));
      expect(await t.store.messages.find(key('note:old'), T0 + 1001)).toBeNull();
      await t.store.messages.prune(T0 + 1001);
      expect(await t.store.messages.find(key('note:old'), T0 + 1001)).toBeNull();
      expect(await t.store.messages.find(key('note:new'), T0 + 1001)).toEqual(ref('2.2'));
    });

    it('survives a restart', async () => {
      await t.store.messages.record(key('note:n1'), ref('1.1'), T0, KEEP);
      await t.reopen();
      expect(await t.store.messages.find(key('note:n1'), T0 + DAY)).toEqual(ref('1.1'));
    });

    it('knows whether a job of the lane will still post a note', async () => {
      const parent = posting('p1', 'n1');
      const other = posting('p2', 'n2', { event: 'follow' });
      await t.store.jobs.accept('misskey', 'p1', [parent], T0);
      await t.store.jobs.accept('misskey', 'p2', [other], T0);
      expect(await t.store.jobs.holdsMessage('discord:main', key('note:n1'), 'reply-job')).toBe(true);
      // not the job asking, not another lane, sink or source, not an event that never stands for the note
      expect(await t.store.jobs.holdsMessage('discord:main', key('note:n1'), parent.id)).toBe(false);
      expect(await t.store.jobs.holdsMessage('slack:main', key('note:n1', 'slack'), 'x')).toBe(false);
      expect(await t.store.jobs.holdsMessage('discord:main', { ...key('note:n1'), source: 'other' }, 'x')).toBe(false);
      expect(await t.store.jobs.holdsMessage('discord:main', key('note:n2'), 'x')).toBe(false);
      // waiting for a retry still counts; dead-lettered or delivered does not
      const [leased] = await t.store.jobs.lease('discord:main', T0, 1, 1000);
      await t.store.jobs.reschedule(leased!, T0 + 60_000, 'later', T0);
      expect(await t.store.jobs.holdsMessage('discord:main', key('note:n1'), 'x')).toBe(true);
      await t.store.jobs.deadLetter(leased!, 'gone', T0);
      expect(await t.store.jobs.holdsMessage('discord:main', key('note:n1'), 'x')).toBe(false);
      // retried from the dead letters, it will post the note again
      expect(await t.store.deadLetters.retry({ ids: [parent.id] }, T0)).toBe(1);
      expect(await t.store.jobs.holdsMessage('discord:main', key('note:n1'), 'x')).toBe(true);
    });

    it('knows whether a job will still post an abuse report', async () => {
      const report = newJob('r1', { event: 'abuseReport', payload: { type: 'abuseReport', source: 'misskey', report: { id: 'rep1' } } as unknown as Event });
      await t.store.jobs.accept('misskey', 'r1', [report], T0);
      expect(await t.store.jobs.holdsMessage('discord:main', key('report:rep1'), 'x')).toBe(true);
      const [leased] = await t.store.jobs.lease('discord:main', T0, 1, 1000);
      await t.store.jobs.ack([leased!]);
      expect(await t.store.jobs.holdsMessage('discord:main', key('report:rep1'), 'x')).toBe(false);
    });
  });
});
