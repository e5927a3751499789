import { describeStores, fresh, newJob, T0 } from './contract';

describeStores('DeadLetterStore', (t) => {
  describe('dead letters', () => {
    /** stores e1 (discord), e2 (slack), e3 (discord) and dead-letters all three */
    async function buryThree(): Promise<void> {
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      await t.store.jobs.accept('misskey', 'e2', [newJob('e2', { sink: 'slack' })], T0);
      await t.store.jobs.accept('misskey', 'e3', [newJob('e3')], T0);
      for (const lane of ['discord:main', 'slack:main']) {
        for (const job of await t.store.jobs.lease(lane, T0, 10, 1000)) await t.store.jobs.deadLetter(job, `dead ${job.eventId}`, T0 + 100);
      }
    }

    it('keeps the whole job with its history, the error and the time, and leaves the t.store', async () => {
      await t.store.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
      const [job] = await t.store.jobs.lease('discord:main', T0, 10, 1000);
      await t.store.jobs.reschedule(job!, T0 + 50, 'HTTP 500', T0 + 1);
      const [again] = await t.store.jobs.lease('discord:main', T0 + 50, 10, 1000);
      await t.store.jobs.deadLetter(again!, 'HTTP 404 Unknown Webhook', T0 + 60);

      const [letter, ...rest] = await t.store.deadLetters.list();
      expect(rest).toEqual([]);
      expect(letter).toMatchObject({
        ...newJob('e1'),
        createdAt: T0,
        attempts: 2,
        // the group it was last leased in
        batch: newJob('e1').id,
        history: [
          { at: T0 + 1, error: 'HTTP 500' },
          { at: T0 + 60, error: 'HTTP 404 Unknown Webhook' },
        ],
        error: 'HTTP 404 Unknown Webhook',
        failedAt: T0 + 60,
      });
      expect(await t.lanes(T0 + 10_000)).toEqual([]);
      expect(await t.store.jobs.stats()).toEqual([]);
    });

    it('lists by sink', async () => {
      await buryThree();
      expect((await t.store.deadLetters.list()).map((letter) => letter.eventId).sort()).toEqual(['e1', 'e2', 'e3']);
      expect((await t.store.deadLetters.list('slack')).map((letter) => letter.eventId)).toEqual(['e2']);
      expect(await t.store.deadLetters.list('matrix')).toEqual([]);
    });

    it('retries by ids: due now, attempts reset, history kept, exactly once', async () => {
      await buryThree();
      await expect(t.store.deadLetters.retry({ ids: [newJob('e1').id, newJob('e1').id, 'unknown'] }, T0 + 200)).resolves.toBe(1);
      await expect(t.store.deadLetters.retry({ ids: [newJob('e1').id] }, T0 + 200)).resolves.toBe(0);
      expect((await t.store.deadLetters.list()).map((letter) => letter.eventId).sort()).toEqual(['e2', 'e3']);

      expect(await t.lanes(T0 + 199)).toEqual([]);
      expect(await t.drain('discord:main', T0 + 200)).toEqual([
        {
          ...fresh(newJob('e1'), T0),
          availableAt: T0 + 200,
          history: [{ at: T0 + 100, error: 'dead e1' }],
        },
      ]);
    });

    it('retries by sink and all', async () => {
      await buryThree();
      await expect(t.store.deadLetters.retry({ sink: 'discord' }, T0 + 200)).resolves.toBe(2);
      expect((await t.store.deadLetters.list()).map((letter) => letter.eventId)).toEqual(['e2']);
      expect((await t.drain('discord:main', T0 + 200)).map((job) => job.eventId).sort()).toEqual(['e1', 'e3']);

      await expect(t.store.deadLetters.retry({ all: true }, T0 + 300)).resolves.toBe(1);
      await expect(t.store.deadLetters.retry({ all: true }, T0 + 300)).resolves.toBe(0);
      expect(await t.store.deadLetters.list()).toEqual([]);
      expect((await t.drain('slack:main', T0 + 300)).map((job) => job.eventId)).toEqual(['e2']);
      expect(await t.lanes(T0 + 300)).toEqual([]);
    });

    it('drops by ids, sink and all without touching the t.store', async () => {
      await buryThree();
      await t.store.jobs.accept('misskey', 'e4', [newJob('e4')], T0);
      await expect(t.store.deadLetters.drop({ ids: [newJob('e1').id, 'unknown'] })).resolves.toBe(1);
      await expect(t.store.deadLetters.drop({ sink: 'slack' })).resolves.toBe(1);
      expect((await t.store.deadLetters.list()).map((letter) => letter.eventId)).toEqual(['e3']);
      await expect(t.store.deadLetters.drop({ all: true })).resolves.toBe(1);
      expect(await t.store.deadLetters.list()).toEqual([]);
      await expect(t.store.deadLetters.retry({ all: true }, T0)).resolves.toBe(0);
      expect((await t.drain('discord:main', T0)).map((job) => job.eventId)).toEqual(['e4']);
    });
  });
});
