import type { Event } from '../../src/normalize/event';
import { RECENT_EVENTS } from '../../src/store/recent';
import { noteEvent, noteText } from '../helpers/events';
import { describeStores, newJob, T0 } from './contract';

describeStores('RecentEvents', (t) => {
  describe('recent events', () => {
    const texts = (events: Event[]) => events.map((event) => noteText(event));

    it('keeps the last RECENT_EVENTS events that had jobs, newest first, across a reopen', async () => {
      expect(await t.store.recent.list(RECENT_EVENTS)).toEqual([]);
      await t.store.jobs.accept('misskey', 'no-jobs', [], T0);
      for (let i = 0; i < RECENT_EVENTS + 5; i++) {
        await t.store.jobs.accept('misskey', `e${i}`, [newJob(`e${i}`), newJob(`e${i}`, { sink: 'slack' })], T0 + i);
      }
      await t.store.jobs.accept('misskey', 'e0', [newJob('e0', { payload: noteEvent('duplicate') })], T0 + 100);
      const expected = Array.from({ length: RECENT_EVENTS }, (_, i) => `event e${RECENT_EVENTS + 4 - i}`);
      expect(texts(await t.store.recent.list(RECENT_EVENTS))).toEqual(expected);
      expect(texts(await t.store.recent.list(3))).toEqual(expected.slice(0, 3));
      expect(await t.store.recent.list(0)).toEqual([]);
      expect((await t.store.recent.list(1))[0]).toEqual(newJob(`e${RECENT_EVENTS + 4}`).payload);

      await t.reopen();
      await t.store.jobs.accept('misskey', 'after', [newJob('after')], T0 + 200);
      expect(texts(await t.store.recent.list(RECENT_EVENTS))).toEqual(['event after', ...expected.slice(0, -1)]);
    });
  });
});
