/**
 * Find an event: the attempts the store recorded and those this process saw are one list, each
 * send once, whether the delivery still waits, died, or was delivered and forgotten by the store.
 */
import { attemptRecords, Activity } from '../../src/observe/activity';
import { findEvent } from '../../src/ops/find';
import { opsStoreOf } from '../../src/ops/store-adapter';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { newJob, T0 } from '../store/contract';

describe('find an event', () => {
  it('merges the store’s attempts with this process’s, once each, up to the dead letter', async () => {
    const queue = openSqliteStore({ path: ':memory:' });
    const activity = new Activity();
    await queue.jobs.accept('misskey', 'e1', [newJob('e1')], T0);
    for (const at of [T0 + 10, T0 + 20]) {
      const [job] = await queue.jobs.lease('discord:main', at, 1, 1000);
      activity.settled(attemptRecords([job!], 'retry', 'Discord server error 502', at));
      await queue.jobs.reschedule(job!, at + 1, 'Discord server error 502', at);
    }
    const store = opsStoreOf(queue);
    const waiting = await findEvent('e1', store, activity, T0 + 30);
    expect(waiting).toEqual([expect.objectContaining({ state: 'waiting', sink: 'discord', route: 'notes' })]);
    expect(waiting[0]!.attempts).toEqual([
      { at: T0 + 10, outcome: 'retry', reason: 'Discord server error 502' },
      { at: T0 + 20, outcome: 'retry', reason: 'Discord server error 502' },
    ]);

    // the last send is refused; the store counts the giving up a moment later, in its own words
    const [job] = await queue.jobs.lease('discord:main', T0 + 40, 1, 1000);
    activity.settled(attemptRecords([job!], 'failed', 'Discord refused the message', T0 + 40));
    await queue.jobs.deadLetter(job!, 'gave up after 3 attempts: Discord refused the message', T0 + 41);
    const dead = await findEvent('e1', opsStoreOf(queue), activity, T0 + 2000);
    expect(dead[0]!.state).toBe('dead');
    expect(dead[0]!.attempts.map((attempt) => attempt.outcome)).toEqual(['retry', 'retry', 'failed']);

    // replayed and delivered: the store forgets it, this process remembers every attempt
    await queue.deadLetters.retry({ all: true }, T0 + 3000);
    const [again] = await queue.jobs.lease('discord:main', T0 + 3000, 1, 1000);
    activity.settled(attemptRecords([again!], 'delivered', undefined, T0 + 3010));
    await queue.jobs.ack([again!]);
    const delivered = await findEvent('e1', opsStoreOf(queue), activity, T0 + 5000);
    expect(delivered).toEqual([expect.objectContaining({ state: 'delivered', route: 'notes' })]);
    expect(delivered[0]!.attempts.map((attempt) => [attempt.at, attempt.outcome])).toEqual([
      [T0 + 10, 'retry'],
      [T0 + 20, 'retry'],
      [T0 + 40, 'failed'],
      [T0 + 3010, 'delivered'],
    ]);
  });

  it('finds by note id and by user, and nothing for an empty query', async () => {
    const queue = openSqliteStore({ path: ':memory:' });
    const job = newJob('e2');
    await queue.jobs.accept('misskey', 'e2', [job], T0);
    const store = opsStoreOf(queue);
    const activity = new Activity();
    const note = (job.payload as { note: { id: string; user: { acct: string } } }).note;
    expect(await findEvent(note.id, store, activity, T0)).toHaveLength(1);
    expect(await findEvent(note.user.acct.toUpperCase(), store, activity, T0 + 5000)).toHaveLength(1);
    expect(await findEvent(note.user.acct.slice(1), store, activity, T0 + 5000)).toHaveLength(1);
    expect(await findEvent('  ', store, activity, T0)).toEqual([]);
    expect(await findEvent('nobody-at-all', store, activity, T0 + 9000)).toEqual([]);
  });
});
