import { MemoryQueue } from '../../src/queue/memory';
import { DUE_COUNT_CAP, RECENT_EVENTS, StoreUnavailableError, type DueLane, type Hold, type Job, type NewJob, type Queue, type StoreRecord } from '../../src/queue/queue';
import type { Event } from '../../src/normalize/event';
import { noteEvent, noteText } from '../helpers/events';

/** the fake clock: every call gets an explicit `now` */
export const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

export function newJob(eventId: string, overrides: Partial<NewJob> = {}): NewJob {
  const sink = overrides.sink ?? 'discord';
  const route = overrides.route ?? 'notes';
  return {
    id: `misskey:${eventId}:${route}:${sink}`,
    source: 'misskey',
    eventId,
    event: 'note',
    route,
    sink,
    lane: `${sink}:main`,
    template: 'note',
    payload: noteEvent(`event ${eventId}`),
    ...overrides,
  };
}

/** what a fresh job looks like when leased; alone, unless `batch` names the group's first job */
function fresh(job: NewJob, createdAt: number, batch = job.id): Job {
  return { ...job, attempts: 0, createdAt, availableAt: createdAt, history: [], batch };
}

const ids = (jobs: { id: string }[]) => jobs.map((job) => job.id);

const LONE_SURROGATES = 'lone surrogate \ud800 and reversed pair \udc00\ud800';
const HOSTILE = [
  "'; DROP TABLE jobs; --",
  '"quoted" \\ back\\slash `tick` $(rm -rf /) {{handlebars}} <script>alert(1)</script>',
  'nul\u0000byte, line\u2028separator, \r\n\t controls \u0007',
  LONE_SURROGATES,
  '日本語 العربية עברית 🏳️‍🌈 👩🏽‍💻 é (e\u0301) \u202eRTL override',
  '{"json":"lookalike"} __proto__ constructor',
];

export interface ContractQueue {
  queue: Queue;
  /** closes the queue and opens its store again, as a restart does (memory: the same queue) */
  reopen: () => Promise<Queue>;
  /** closes the queue last opened and deletes its store */
  cleanup: () => Promise<void>;
}

/**
 * The behaviour every Queue implementation must have. Each test gets a fresh, empty queue from `make`.
 */
export function queueContract(name: string, make: () => Promise<ContractQueue>): void {
  describe(`Queue contract: ${name}`, () => {
    let queue: Queue;
    let reopen: () => Promise<Queue>;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ queue, reopen, cleanup } = await make());
    });

    afterEach(async () => {
      await cleanup();
    });

    /** due lanes with their counts in a fixed order: implementations may list them in any */
    async function dueCounts(now: number): Promise<DueLane[]> {
      return (await queue.dueLanes(now)).sort((a, b) => (a.lane < b.lane ? -1 : 1));
    }

    async function lanes(now: number): Promise<string[]> {
      return (await dueCounts(now)).map((lane) => lane.lane);
    }

    /** accepts one event per eventId, one job each, in this order */
    async function acceptEach(eventIds: string[], now: number, overrides: Partial<NewJob> = {}): Promise<void> {
      for (const eventId of eventIds) await queue.accept('misskey', eventId, [newJob(eventId, overrides)], now);
    }

    const eventIds = (jobs: Job[]) => jobs.map((job) => job.eventId);

    /** leases everything due in the lane, then acks it: the lane's due jobs in order */
    async function drain(lane: string, now: number): Promise<Job[]> {
      const jobs = await queue.lease(lane, now, 1000, 1000);
      await queue.ack(jobs);
      return jobs;
    }

    describe('accept', () => {
      it('stores every job of the event, due at once', async () => {
        const a = newJob('e1');
        const b = newJob('e1', { sink: 'slack' });
        await expect(queue.accept('misskey', 'e1', [a, b], T0)).resolves.toBe('stored');
        expect(await lanes(T0)).toEqual(['discord:main', 'slack:main']);
        expect(await queue.lease('discord:main', T0, 10, 1000)).toEqual([fresh(a, T0)]);
        expect(await queue.lease('slack:main', T0, 10, 1000)).toEqual([fresh(b, T0)]);
      });

      it('reports a second delivery of the same source and eventId as duplicate and stores nothing', async () => {
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        const again = newJob('e1', { route: 'other' });
        await expect(queue.accept('misskey', 'e1', [again], T0 + 1)).resolves.toBe('duplicate');
        expect(ids(await drain('discord:main', T0 + 1))).toEqual([newJob('e1').id]);
      });

      it('dedupes an event even when it produced no jobs', async () => {
        await expect(queue.accept('misskey', 'e1', [], T0)).resolves.toBe('stored');
        await expect(queue.accept('misskey', 'e1', [newJob('e1')], T0)).resolves.toBe('duplicate');
        expect(await lanes(T0)).toEqual([]);
      });

      it('treats the same eventId from another source as a new event', async () => {
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        const other = newJob('e1', { source: 'other', id: 'other:e1' });
        await expect(queue.accept('other', 'e1', [other], T0)).resolves.toBe('stored');
        expect(ids(await drain('discord:main', T0))).toEqual([newJob('e1').id, 'other:e1']);
      });

      it('ignores a job whose id is already stored', async () => {
        const job = newJob('e1');
        await queue.accept('misskey', 'e1', [job, { ...job, payload: noteEvent('second') }], T0);
        await queue.accept('misskey', 'e2', [{ ...job, eventId: 'e2', payload: noteEvent('third') }], T0);
        expect(await drain('discord:main', T0)).toEqual([fresh(job, T0)]);
      });

      it('remembers events for days, then forgets them', async () => {
        await queue.accept('misskey', 'e1', [], T0);
        await expect(queue.accept('misskey', 'e1', [], T0 + 6 * DAY)).resolves.toBe('duplicate');
        await expect(queue.accept('misskey', 'e1', [], T0 + 8 * DAY)).resolves.toBe('stored');
      });

      it('rejects with StoreUnavailableError once closed', async () => {
        await queue.close();
        await expect(queue.accept('misskey', 'e1', [newJob('e1')], T0)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(queue.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      });
    });

    describe('dueLanes and lease', () => {
      it.each([0, 1, 10])('leases a lane in acceptance order, not by id or time, past %i jobs not due', async (waiting) => {
        for (let i = 0; i < waiting; i++) await queue.accept('misskey', `w${i}`, [newJob(`w${i}`)], T0 + 100);
        for (const eventId of ['c', 'a', 'b']) await queue.accept('misskey', eventId, [newJob(eventId)], T0);
        await queue.accept('misskey', 'd', [newJob('d')], T0 - 5);
        const jobs = await queue.lease('discord:main', T0, 10, 1000);
        expect(jobs.map((job) => job.eventId)).toEqual(['c', 'a', 'b', 'd']);
      });

      it('lists each lane with a due job once and skips lanes whose jobs are not due yet', async () => {
        await queue.accept('misskey', 'e1', [newJob('e1'), newJob('e1', { sink: 'slack' })], T0);
        await queue.accept('misskey', 'e2', [newJob('e2')], T0);
        await queue.accept('misskey', 'e3', [newJob('e3', { lane: 'later' })], T0 + 50);
        expect(await lanes(T0 - 1)).toEqual([]);
        expect(await lanes(T0)).toEqual(['discord:main', 'slack:main']);
        expect(await lanes(T0 + 50)).toEqual(['discord:main', 'later', 'slack:main']);
        expect(await queue.lease('later', T0, 10, 1000)).toEqual([]);
      });

      it('holds a lane back while one of its jobs is leased', async () => {
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        await queue.accept('misskey', 'e2', [newJob('e2'), newJob('e2', { sink: 'slack' })], T0);
        const [first] = await queue.lease('discord:main', T0, 1, 1000);
        expect(first?.eventId).toBe('e1');
        expect(await lanes(T0 + 1)).toEqual(['slack:main']);
        expect(await queue.lease('discord:main', T0 + 1, 10, 1000)).toEqual([]);

        await queue.ack([first!]);
        expect(await lanes(T0 + 2)).toEqual(['discord:main', 'slack:main']);
        expect((await queue.lease('discord:main', T0 + 2, 10, 1000)).map((job) => job.eventId)).toEqual(['e2']);
      });

      it('leases at most `max` jobs', async () => {
        for (const eventId of ['e1', 'e2', 'e3', 'e4', 'e5']) await queue.accept('misskey', eventId, [newJob(eventId)], T0);
        const batch = await queue.lease('discord:main', T0, 2, 1000);
        expect(batch.map((job) => job.eventId)).toEqual(['e1', 'e2']);
        await queue.ack(batch);
        expect((await queue.lease('discord:main', T0, 2, 1000)).map((job) => job.eventId)).toEqual(['e3', 'e4']);
      });

      it('makes jobs due again when their lease expires', async () => {
        const job = newJob('e1');
        await queue.accept('misskey', 'e1', [job], T0);
        await queue.lease('discord:main', T0, 10, 1000);
        expect(await lanes(T0 + 1000)).toEqual([]);
        expect(await queue.lease('discord:main', T0 + 1000, 10, 1000)).toEqual([]);
        expect(await lanes(T0 + 1001)).toEqual(['discord:main']);
        expect(await queue.lease('discord:main', T0 + 1001, 10, 1000)).toEqual([fresh(job, T0)]);
      });
    });

    describe('dueLanes counts', () => {
      it('counts the due jobs of each lane that is not leased', async () => {
        await acceptEach(['e1', 'e2', 'e3'], T0);
        await acceptEach(['e4'], T0 + 50);
        await acceptEach(['e5'], T0, { sink: 'slack' });
        expect(await dueCounts(T0)).toEqual([
          { lane: 'discord:main', due: 3 },
          { lane: 'slack:main', due: 1 },
        ]);
        expect(await dueCounts(T0 + 50)).toContainEqual({ lane: 'discord:main', due: 4 });

        await queue.lease('discord:main', T0 + 50, 2, 1000);
        expect(await dueCounts(T0 + 60)).toEqual([{ lane: 'slack:main', due: 1 }]);
        // an expired lease's jobs are due again
        expect(await dueCounts(T0 + 1051)).toEqual([
          { lane: 'discord:main', due: 4 },
          { lane: 'slack:main', due: 1 },
        ]);
      });

      it(`stops counting at ${DUE_COUNT_CAP}`, async () => {
        const many = Array.from({ length: DUE_COUNT_CAP + 20 }, (_, i) => newJob('big', { id: `big:${i}`, lane: 'big' }));
        await queue.accept('misskey', 'big', many, T0);
        await acceptEach(['e1'], T0);
        expect(await dueCounts(T0)).toEqual([
          { lane: 'big', due: DUE_COUNT_CAP },
          { lane: 'discord:main', due: 1 },
        ]);
        expect(await queue.lease('big', T0, 1000, 1000)).toHaveLength(DUE_COUNT_CAP + 20);
      });
    });

    describe('lane pauses', () => {
      it('hide the lane from dueLanes and lease until the pause ends, leaving other lanes alone', async () => {
        await acceptEach(['e1', 'e2'], T0);
        await acceptEach(['e3'], T0, { sink: 'slack' });
        await queue.pauseLane('discord:main', T0 + 1000);

        expect(await dueCounts(T0)).toEqual([{ lane: 'slack:main', due: 1 }]);
        expect(await lanes(T0 + 999)).toEqual(['slack:main']);
        expect(await queue.lease('discord:main', T0 + 999, 10, 1000)).toEqual([]);
        expect(eventIds(await drain('slack:main', T0 + 1))).toEqual(['e3']);

        expect(await dueCounts(T0 + 1000)).toEqual([{ lane: 'discord:main', due: 2 }]);
        expect(await queue.lease('discord:main', T0 + 1000, 10, 1000)).toEqual([
          fresh(newJob('e1'), T0),
          fresh(newJob('e2'), T0, newJob('e1').id),
        ]);
      });

      it('are never shortened, only extended', async () => {
        await acceptEach(['e1'], T0);
        await queue.pauseLane('discord:main', T0 + 5000);
        await queue.pauseLane('discord:main', T0 + 1000);
        expect(await lanes(T0 + 4999)).toEqual([]);
        expect(await lanes(T0 + 5000)).toEqual(['discord:main']);

        await queue.pauseLane('discord:main', T0 + 8000);
        expect(await lanes(T0 + 5000)).toEqual([]);
        expect(await queue.lease('discord:main', T0 + 7999, 10, 1000)).toEqual([]);
        expect(eventIds(await drain('discord:main', T0 + 8000))).toEqual(['e1']);
      });

      it('hold jobs that arrive during the pause, also in a lane that had none', async () => {
        await queue.pauseLane('discord:main', T0 + 1000);
        await acceptEach(['e1'], T0 + 10);
        expect(await lanes(T0 + 10)).toEqual([]);
        expect(await queue.lease('discord:main', T0 + 10, 10, 1000)).toEqual([]);
        expect(await lanes(T0 + 1000)).toEqual(['discord:main']);
      });

      it('do not touch the jobs: a lease taken before the pause is settled as usual', async () => {
        await acceptEach(['e1', 'e2'], T0);
        const [first] = await queue.lease('discord:main', T0, 1, 1000);
        await queue.pauseLane('discord:main', T0 + 3000);
        await queue.ack([first!]);
        expect(await lanes(T0 + 2999)).toEqual([]);
        expect(await queue.stats()).toEqual([{ sink: 'discord', lane: 'discord:main', depth: 1, oldestAt: T0 }]);
        expect(eventIds(await drain('discord:main', T0 + 3000))).toEqual(['e2']);
      });

      it('survive closing and reopening the store', async () => {
        await acceptEach(['e1'], T0);
        await queue.pauseLane('discord:main', T0 + 1000);
        queue = await reopen();
        expect(await lanes(T0 + 999)).toEqual([]);
        expect(await queue.lease('discord:main', T0 + 999, 10, 1000)).toEqual([]);
        expect(eventIds(await drain('discord:main', T0 + 1000))).toEqual(['e1']);
      });
    });

    describe('sink pauses', () => {
      it('hold the sink: its jobs are neither due nor leased, other sinks go on', async () => {
        await acceptEach(['e1', 'e2'], T0);
        await acceptEach(['e3'], T0, { sink: 'slack' });
        await queue.pauseSink('discord', T0);

        expect(await dueCounts(T0 + 1)).toEqual([{ lane: 'slack:main', due: 1 }]);
        expect(await queue.lease('discord:main', T0 + 1, 10, 1000)).toEqual([]);
        expect(eventIds(await drain('slack:main', T0 + 1))).toEqual(['e3']);
        // jobs arriving during the pause wait too
        await acceptEach(['e4'], T0 + 2);
        expect(await dueCounts(T0 + 10_000)).toEqual([]);
        expect(await queue.lease('discord:main', T0 + 10_000, 10, 1000)).toEqual([]);
      });

      it('resume makes the jobs due again, in order', async () => {
        await acceptEach(['e1', 'e2'], T0);
        await queue.pauseSink('discord', T0);
        await acceptEach(['e3'], T0 + 1);
        await queue.resumeSink('discord');
        expect(await dueCounts(T0 + 2)).toEqual([{ lane: 'discord:main', due: 3 }]);
        expect(await queue.lease('discord:main', T0 + 2, 10, 1000)).toEqual([
          fresh(newJob('e1'), T0),
          fresh(newJob('e2'), T0, newJob('e1').id),
          fresh(newJob('e3'), T0 + 1, newJob('e1').id),
        ]);
      });

      it('are listed with their first time; pausing twice and resuming a running sink are fine', async () => {
        expect(await queue.pausedSinks()).toEqual([]);
        await queue.resumeSink('discord');
        await queue.pauseSink('slack', T0, 'alice@ops');
        await queue.pauseSink('discord', T0 + 5);
        await queue.pauseSink('discord', T0 + 9, 'bob');
        expect(await queue.pausedSinks()).toEqual([
          { sink: 'discord', since: T0 + 5 },
          { sink: 'slack', since: T0, by: 'alice@ops' },
        ]);
        await queue.resumeSink('discord');
        await queue.resumeSink('discord');
        expect(await queue.pausedSinks()).toEqual([{ sink: 'slack', since: T0, by: 'alice@ops' }]);
      });

      it('leave stats counting the waiting jobs', async () => {
        await acceptEach(['e1', 'e2'], T0);
        await queue.pauseSink('discord', T0);
        expect(await queue.stats()).toEqual([{ sink: 'discord', lane: 'discord:main', depth: 2, oldestAt: T0 }]);
      });

      it('in a lane two sinks share, pass over the paused sink only: its jobs keep their place', async () => {
        const shared = { lane: 'room' };
        await acceptEach(['a1'], T0, { ...shared, sink: 'a' });
        await acceptEach(['b1', 'b2'], T0, { ...shared, sink: 'b' });
        await acceptEach(['a2'], T0, { ...shared, sink: 'a' });
        await acceptEach(['b3'], T0, { ...shared, sink: 'b' });
        await queue.pauseSink('a', T0);

        expect(await dueCounts(T0)).toEqual([{ lane: 'room', due: 3 }]);
        const first = await queue.lease('room', T0, 2, 1000);
        expect(eventIds(first)).toEqual(['b1', 'b2']);
        await queue.ack(first);
        expect(eventIds(await drain('room', T0))).toEqual(['b3']);
        expect(await dueCounts(T0)).toEqual([]);

        await queue.resumeSink('a');
        expect(eventIds(await drain('room', T0))).toEqual(['a1', 'a2']);
      });

      it('let a lease taken before the pause be settled; a rescheduled group waits and comes back whole', async () => {
        await acceptEach(['e1', 'e2', 'e3'], T0);
        const group = await queue.lease('discord:main', T0, 2, 1000);
        await queue.pauseSink('discord', T0 + 1);
        // still leased: the lane is held as usual
        expect(await queue.lease('discord:main', T0 + 2, 10, 1000)).toEqual([]);
        for (const job of group) await queue.reschedule(job, T0 + 10, 'HTTP 502', T0 + 2);
        expect(await dueCounts(T0 + 10)).toEqual([]);
        expect(await queue.lease('discord:main', T0 + 10, 10, 1000)).toEqual([]);

        await queue.resumeSink('discord');
        expect(eventIds(await queue.lease('discord:main', T0 + 10, 10, 1000))).toEqual(['e1', 'e2']);
      });

      it('survive closing and reopening the store', async () => {
        await acceptEach(['e1'], T0);
        await queue.pauseSink('discord', T0, 'ops');
        queue = await reopen();
        expect(await queue.pausedSinks()).toEqual([{ sink: 'discord', since: T0, by: 'ops' }]);
        expect(await lanes(T0 + 1)).toEqual([]);
        await queue.resumeSink('discord');
        expect(eventIds(await drain('discord:main', T0 + 1))).toEqual(['e1']);
      });

      it(`count a shared lane's running jobs up to ${DUE_COUNT_CAP}, past many paused ones`, async () => {
        const paused = Array.from({ length: DUE_COUNT_CAP + 20 }, (_, i) => newJob('p', { id: `p:${i}`, lane: 'room', sink: 'a' }));
        const running = Array.from({ length: DUE_COUNT_CAP + 5 }, (_, i) => newJob('r', { id: `r:${i}`, lane: 'room', sink: 'b' }));
        await queue.accept('misskey', 'p', paused, T0);
        await queue.accept('misskey', 'r', running, T0);
        await queue.pauseSink('a', T0);
        expect(await dueCounts(T0)).toEqual([{ lane: 'room', due: DUE_COUNT_CAP }]);
        expect(ids(await queue.lease('room', T0, 3, 1000))).toEqual(['r:0', 'r:1', 'r:2']);
      });
    });

    describe('lease renewal', () => {
      it('extends a lease still held, so no one else leases the lane meanwhile', async () => {
        await acceptEach(['e1', 'e2'], T0);
        const leased = await queue.lease('discord:main', T0, 1, 1000);
        await expect(queue.renew(leased, T0 + 900, T0 + 1900)).resolves.toBe(true);
        expect(await queue.lease('discord:main', T0 + 1500, 1, 1000)).toEqual([]);
        expect(await lanes(T0 + 1500)).toEqual([]);
        expect(eventIds(await queue.lease('discord:main', T0 + 1901, 1, 1000))).toEqual(['e1']);
      });

      it('says false for a lease that ran out, and does not take it back', async () => {
        await acceptEach(['e1'], T0);
        const leased = await queue.lease('discord:main', T0, 1, 1000);
        await expect(queue.renew(leased, T0 + 1001, T0 + 5000)).resolves.toBe(false);
        // out of its lease, the job is another instance's to take
        expect(eventIds(await queue.lease('discord:main', T0 + 1001, 1, 1000))).toEqual(['e1']);
      });

      it('says false for jobs settled meanwhile', async () => {
        await acceptEach(['e1'], T0);
        const leased = await queue.lease('discord:main', T0, 1, 1000);
        await queue.ack(leased);
        await expect(queue.renew(leased, T0 + 10, T0 + 5000)).resolves.toBe(false);
      });
    });

    describe('instances', () => {
      const instance = (id: string, heartbeatAt: number, leases = 0) => ({ id, host: 'bridge-1', pid: 4242, since: T0, leases, heartbeatAt });

      it('lists the latest heartbeat of each instance, the most recent first, and survives a reopen', async () => {
        await queue.heartbeat(instance('a', T0));
        await queue.heartbeat(instance('b', T0 + 1000, 3));
        await queue.heartbeat(instance('a', T0 + 2000, 1));
        queue = await reopen();
        expect(await queue.instances()).toEqual([instance('a', T0 + 2000, 1), instance('b', T0 + 1000, 3)]);
      });

      it('forgets an instance that stopped cleanly, and those silent for a day', async () => {
        await queue.heartbeat(instance('gone', T0));
        await queue.heartbeat(instance('old', T0));
        await queue.heartbeat(instance('live', T0 + 1000));
        await queue.forgetInstance('gone');
        await queue.heartbeat(instance('live', T0 + DAY + 1));
        expect((await queue.instances()).map((known) => known.id)).toEqual(['live']);
      });
    });

    describe('groups', () => {
      it("gives every job of a lease the first job's id as batch", async () => {
        await acceptEach(['e1', 'e2', 'e3'], T0);
        const first = newJob('e1').id;
        const group = await queue.lease('discord:main', T0, 2, 1000);
        expect(group).toEqual([fresh(newJob('e1'), T0, first), fresh(newJob('e2'), T0, first)]);
        await queue.ack(group);
        expect(await queue.lease('discord:main', T0, 2, 1000)).toEqual([fresh(newJob('e3'), T0)]);
      });

      it('leases the same group again after its lease expired, whatever max, even when more jobs arrived', async () => {
        await acceptEach(['e1', 'e2', 'e3'], T0);
        const group = await queue.lease('discord:main', T0, 2, 1000);
        await acceptEach(['e4'], T0 + 10);

        expect(await queue.lease('discord:main', T0 + 1001, 10, 1000)).toEqual(group);
        expect(await queue.lease('discord:main', T0 + 2002, 1, 1000)).toEqual(group);
        expect(await queue.lease('discord:main', T0 + 2500, 10, 1000)).toEqual([]);
        await queue.ack(group);
        expect(eventIds(await queue.lease('discord:main', T0 + 2500, 10, 1000))).toEqual(['e3', 'e4']);
      });

      it('keeps a rescheduled group together, also when some of its jobs are gone', async () => {
        await acceptEach(['e1', 'e2', 'e3'], T0);
        const group = await queue.lease('discord:main', T0, 3, 1000);
        for (const job of group) await queue.reschedule(job, T0 + 5000, 'HTTP 502', T0 + 1);
        await acceptEach(['e4'], T0 + 10);
        expect(eventIds(await drain('discord:main', T0 + 10))).toEqual(['e4']);

        const again = await queue.lease('discord:main', T0 + 5000, 1, 1000);
        expect(again).toEqual(
          group.map((job) => ({ ...job, availableAt: T0 + 5000, attempts: 1, history: [{ at: T0 + 1, error: 'HTTP 502' }] })),
        );

        // the first job is delivered, the others fail again: they stay in the group it named
        await queue.ack([again[0]!]);
        for (const job of again.slice(1)) await queue.reschedule(job, T0 + 6000, 'HTTP 502', T0 + 5001);
        await acceptEach(['e5'], T0 + 5002);
        const rest = await queue.lease('discord:main', T0 + 6000, 10, 1000);
        expect(eventIds(rest)).toEqual(['e2', 'e3']);
        expect(rest.map((job) => job.batch)).toEqual([newJob('e1').id, newJob('e1').id]);
      });

      it('takes only the due jobs of a group', async () => {
        await acceptEach(['e1', 'e2'], T0);
        const [first, second] = await queue.lease('discord:main', T0, 2, 1000);
        await queue.reschedule(first!, T0 + 100, 'HTTP 500', T0 + 1);
        await queue.reschedule(second!, T0 + 200, 'HTTP 500', T0 + 1);
        expect(eventIds(await queue.lease('discord:main', T0 + 100, 10, 1000))).toEqual(['e1']);
      });

      it('never puts a job of one group into a new group', async () => {
        await acceptEach(['e1', 'e2'], T0);
        await queue.release(await queue.lease('discord:main', T0, 1, 1000), T0 + 100);
        const [second] = await queue.lease('discord:main', T0 + 1, 10, 1000);
        expect(second).toEqual(fresh(newJob('e2'), T0));
        await queue.reschedule(second!, T0 + 100, 'HTTP 500', T0 + 2);

        // e1 is free and first in line, e2 still belongs to its own group
        const [first, ...others] = await queue.lease('discord:main', T0 + 100, 10, 1000);
        expect(others).toEqual([]);
        expect(first).toEqual({ ...fresh(newJob('e1'), T0), availableAt: T0 + 100 });
        await queue.ack([first!]);
        expect(await queue.lease('discord:main', T0 + 100, 10, 1000)).toMatchObject([{ eventId: 'e2', batch: second!.id, attempts: 1 }]);
      });

      it('release ungroups the jobs, makes them due at the given time, keeps their place and counts no attempt', async () => {
        await acceptEach(['e1', 'e2', 'e3'], T0);
        const group = await queue.lease('discord:main', T0, 2, 1000);
        for (const job of group) await queue.reschedule(job, T0 + 2, 'HTTP 500', T0 + 1);
        const again = await queue.lease('discord:main', T0 + 2, 10, 1000);
        expect(eventIds(again)).toEqual(['e1', 'e2']);

        await queue.release(again, T0 + 100);
        // the lane is free at once; only e3 is due before the given time
        expect(await dueCounts(T0 + 3)).toEqual([{ lane: 'discord:main', due: 1 }]);
        expect(await dueCounts(T0 + 100)).toEqual([{ lane: 'discord:main', due: 3 }]);

        const history = [{ at: T0 + 1, error: 'HTTP 500' }];
        const alone = await queue.lease('discord:main', T0 + 100, 1, 1000);
        expect(alone).toEqual([{ ...fresh(newJob('e1'), T0), availableAt: T0 + 100, attempts: 1, history }]);
        await queue.release(alone, T0 + 100);
        const regrouped = await queue.lease('discord:main', T0 + 100, 10, 1000);
        expect(regrouped).toEqual([
          { ...fresh(newJob('e1'), T0), availableAt: T0 + 100, attempts: 1, history },
          { ...fresh(newJob('e2'), T0, newJob('e1').id), availableAt: T0 + 100, attempts: 1, history },
          fresh(newJob('e3'), T0, newJob('e1').id),
        ]);
      });

      it('retryDead takes a job out of its group', async () => {
        await acceptEach(['e1', 'e2'], T0);
        const [first, second] = await queue.lease('discord:main', T0, 2, 1000);
        await queue.reschedule(first!, T0 + 5000, 'HTTP 500', T0 + 1);
        await queue.deadLetter(second!, 'HTTP 400', T0 + 1);
        expect((await queue.deadLetters())[0]?.batch).toBe(first!.id);

        await queue.retryDead({ all: true }, T0 + 100);
        expect(await queue.lease('discord:main', T0 + 100, 10, 1000)).toEqual([
          { ...fresh(newJob('e2'), T0), availableAt: T0 + 100, history: [{ at: T0 + 1, error: 'HTTP 400' }] },
        ]);
      });
    });

    describe('settling', () => {
      it('ack forgets the job', async () => {
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        const [job] = await queue.lease('discord:main', T0, 10, 1000);
        await queue.ack([job!]);
        await queue.ack([job!]);
        expect(await lanes(T0 + 5000)).toEqual([]);
        expect(await queue.stats()).toEqual([]);
      });

      it('reschedule delays the job, counts the attempt, records the error and frees the lane', async () => {
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        await queue.accept('misskey', 'e2', [newJob('e2')], T0);
        const [job] = await queue.lease('discord:main', T0, 1, 1000);
        await queue.reschedule(job!, T0 + 5000, 'HTTP 502', T0 + 10);

        // the lane is free again: the next due job goes while the failed one waits
        expect(await lanes(T0 + 11)).toEqual(['discord:main']);
        expect((await drain('discord:main', T0 + 11)).map((j) => j.eventId)).toEqual(['e2']);
        expect(await lanes(T0 + 4999)).toEqual([]);

        const [again] = await queue.lease('discord:main', T0 + 5000, 10, 1000);
        expect(again).toEqual({
          ...fresh(newJob('e1'), T0),
          availableAt: T0 + 5000,
          attempts: 1,
          history: [{ at: T0 + 10, error: 'HTTP 502' }],
        });
        await queue.reschedule(again!, T0 + 9000, 'timeout', T0 + 5001);
        const [third] = await queue.lease('discord:main', T0 + 9000, 10, 1000);
        expect(third?.attempts).toBe(2);
        expect(third?.history).toEqual([
          { at: T0 + 10, error: 'HTTP 502' },
          { at: T0 + 5001, error: 'timeout' },
        ]);
      });
    });

    describe('dead letters', () => {
      /** stores e1 (discord), e2 (slack), e3 (discord) and dead-letters all three */
      async function buryThree(): Promise<void> {
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        await queue.accept('misskey', 'e2', [newJob('e2', { sink: 'slack' })], T0);
        await queue.accept('misskey', 'e3', [newJob('e3')], T0);
        for (const lane of ['discord:main', 'slack:main']) {
          for (const job of await queue.lease(lane, T0, 10, 1000)) await queue.deadLetter(job, `dead ${job.eventId}`, T0 + 100);
        }
      }

      it('keeps the whole job with its history, the error and the time, and leaves the queue', async () => {
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        const [job] = await queue.lease('discord:main', T0, 10, 1000);
        await queue.reschedule(job!, T0 + 50, 'HTTP 500', T0 + 1);
        const [again] = await queue.lease('discord:main', T0 + 50, 10, 1000);
        await queue.deadLetter(again!, 'HTTP 404 Unknown Webhook', T0 + 60);

        const [letter, ...rest] = await queue.deadLetters();
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
        expect(await lanes(T0 + 10_000)).toEqual([]);
        expect(await queue.stats()).toEqual([]);
      });

      it('lists by sink', async () => {
        await buryThree();
        expect((await queue.deadLetters()).map((letter) => letter.eventId).sort()).toEqual(['e1', 'e2', 'e3']);
        expect((await queue.deadLetters('slack')).map((letter) => letter.eventId)).toEqual(['e2']);
        expect(await queue.deadLetters('matrix')).toEqual([]);
      });

      it('retries by ids: due now, attempts reset, history kept, exactly once', async () => {
        await buryThree();
        await expect(queue.retryDead({ ids: [newJob('e1').id, newJob('e1').id, 'unknown'] }, T0 + 200)).resolves.toBe(1);
        await expect(queue.retryDead({ ids: [newJob('e1').id] }, T0 + 200)).resolves.toBe(0);
        expect((await queue.deadLetters()).map((letter) => letter.eventId).sort()).toEqual(['e2', 'e3']);

        expect(await lanes(T0 + 199)).toEqual([]);
        expect(await drain('discord:main', T0 + 200)).toEqual([
          {
            ...fresh(newJob('e1'), T0),
            availableAt: T0 + 200,
            history: [{ at: T0 + 100, error: 'dead e1' }],
          },
        ]);
      });

      it('retries by sink and all', async () => {
        await buryThree();
        await expect(queue.retryDead({ sink: 'discord' }, T0 + 200)).resolves.toBe(2);
        expect((await queue.deadLetters()).map((letter) => letter.eventId)).toEqual(['e2']);
        expect((await drain('discord:main', T0 + 200)).map((job) => job.eventId).sort()).toEqual(['e1', 'e3']);

        await expect(queue.retryDead({ all: true }, T0 + 300)).resolves.toBe(1);
        await expect(queue.retryDead({ all: true }, T0 + 300)).resolves.toBe(0);
        expect(await queue.deadLetters()).toEqual([]);
        expect((await drain('slack:main', T0 + 300)).map((job) => job.eventId)).toEqual(['e2']);
        expect(await lanes(T0 + 300)).toEqual([]);
      });

      it('drops by ids, sink and all without touching the queue', async () => {
        await buryThree();
        await queue.accept('misskey', 'e4', [newJob('e4')], T0);
        await expect(queue.dropDead({ ids: [newJob('e1').id, 'unknown'] })).resolves.toBe(1);
        await expect(queue.dropDead({ sink: 'slack' })).resolves.toBe(1);
        expect((await queue.deadLetters()).map((letter) => letter.eventId)).toEqual(['e3']);
        await expect(queue.dropDead({ all: true })).resolves.toBe(1);
        expect(await queue.deadLetters()).toEqual([]);
        await expect(queue.retryDead({ all: true }, T0)).resolves.toBe(0);
        expect((await drain('discord:main', T0)).map((job) => job.eventId)).toEqual(['e4']);
      });
    });

    describe('stats', () => {
      it('counts waiting jobs per sink and lane with the oldest creation time', async () => {
        expect(await queue.stats()).toEqual([]);
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        await queue.accept('misskey', 'e2', [newJob('e2'), newJob('e2', { sink: 'slack' })], T0 + 5);
        await queue.accept('misskey', 'e3', [newJob('e3', { lane: 'discord:other' })], T0 + 7);
        const byLane = (stats: Awaited<ReturnType<Queue['stats']>>) =>
          [...stats].sort((a, b) => (a.lane < b.lane ? -1 : 1));
        expect(byLane(await queue.stats())).toEqual([
          { sink: 'discord', lane: 'discord:main', depth: 2, oldestAt: T0 },
          { sink: 'discord', lane: 'discord:other', depth: 1, oldestAt: T0 + 7 },
          { sink: 'slack', lane: 'slack:main', depth: 1, oldestAt: T0 + 5 },
        ]);

        const [first] = await queue.lease('discord:main', T0 + 10, 1, 1000);
        await queue.ack([first!]);
        expect(byLane(await queue.stats())[0]).toEqual({ sink: 'discord', lane: 'discord:main', depth: 1, oldestAt: T0 + 5 });
      });
    });

    describe('recent events', () => {
      const texts = (events: Event[]) => events.map((event) => noteText(event));

      it('keeps the last RECENT_EVENTS events that had jobs, newest first, across a reopen', async () => {
        expect(await queue.recentEvents(RECENT_EVENTS)).toEqual([]);
        await queue.accept('misskey', 'no-jobs', [], T0);
        for (let i = 0; i < RECENT_EVENTS + 5; i++) {
          await queue.accept('misskey', `e${i}`, [newJob(`e${i}`), newJob(`e${i}`, { sink: 'slack' })], T0 + i);
        }
        await queue.accept('misskey', 'e0', [newJob('e0', { payload: noteEvent('duplicate') })], T0 + 100);
        const expected = Array.from({ length: RECENT_EVENTS }, (_, i) => `event e${RECENT_EVENTS + 4 - i}`);
        expect(texts(await queue.recentEvents(RECENT_EVENTS))).toEqual(expected);
        expect(texts(await queue.recentEvents(3))).toEqual(expected.slice(0, 3));
        expect(await queue.recentEvents(0)).toEqual([]);
        expect((await queue.recentEvents(1))[0]).toEqual(newJob(`e${RECENT_EVENTS + 4}`).payload);

        queue = await reopen();
        await queue.accept('misskey', 'after', [newJob('after')], T0 + 200);
        expect(texts(await queue.recentEvents(RECENT_EVENTS))).toEqual(['event after', ...expected.slice(0, -1)]);
      });
    });

    describe('round trip', () => {
      const hostile = noteEvent(HOSTILE.join('\n'));
      const full: Event = { ...hostile, host: HOSTILE[0]!, note: { ...hostile.note, cw: HOSTILE[2]!, emojis: { [HOSTILE[4]!]: HOSTILE[3]! } } };

      it('returns events unchanged, through lease, dead letters and retry', async () => {
        const big = noteEvent('x'.repeat(200_000));
        const jobs = [newJob('e1', { payload: full, template: HOSTILE[1]! }), newJob('e1', { sink: 'slack', payload: big })];
        await queue.accept('misskey', 'e1', jobs, T0);
        expect(await queue.lease('discord:main', T0, 10, 1000)).toEqual([fresh(jobs[0]!, T0)]);
        const [bigJob] = await queue.lease('slack:main', T0, 10, 1000);
        expect(bigJob).toEqual(fresh(jobs[1]!, T0));

        await queue.deadLetter(bigJob!, HOSTILE[1]!, T0 + 1);
        const [letter] = await queue.deadLetters();
        expect(letter?.payload).toEqual(big);
        expect(letter?.error).toBe(HOSTILE[1]);
        await queue.retryDead({ all: true }, T0 + 2);
        expect((await queue.lease('slack:main', T0 + 2, 10, 1000))[0]?.payload).toEqual(big);
      });

      // identifiers are well-formed Unicode (SQLite stores text as UTF-8); only events and template names must carry anything
      const keys = HOSTILE.filter((text) => text !== LONE_SURROGATES);

      it('keeps hostile source, event ids, routes, sinks and lanes apart', async () => {
        for (const [i, text] of keys.entries()) {
          const job = newJob(text, { id: `${text}#${i}`, source: text, route: text, sink: text, lane: text, payload: full });
          await expect(queue.accept(text, text, [job], T0 + i)).resolves.toBe('stored');
          await expect(queue.accept(text, text, [job], T0 + i)).resolves.toBe('duplicate');
          expect(await queue.lease(text, T0 + i, 10, 1000)).toEqual([fresh(job, T0 + i)]);
        }
        expect((await queue.stats()).map((stats) => stats.lane).sort()).toEqual([...keys].sort());
      });

      it('does not share objects with the caller', async () => {
        const job = newJob('e1');
        await queue.accept('misskey', 'e1', [job], T0);
        (job.payload as { note: { text: string } }).note.text = 'changed after accept';
        const [leased] = await queue.lease('discord:main', T0, 10, 1000);
        expect(noteText(leased!.payload)).toBe('event e1');
        leased!.history.push({ at: 0, error: 'mutated' });
        (leased!.payload as { note: { text: string } }).note.text = 'changed after lease';
        await queue.reschedule(leased!, T0, 'real', T0);
        const [again] = await queue.lease('discord:main', T0, 10, 1000);
        expect(noteText(again!.payload)).toBe('event e1');
        expect(again?.history).toEqual([{ at: T0, error: 'real' }]);
      });
    });

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
        await queue.recordMessage(key('note:n1'), ref('1.1'), T0, KEEP);
        await queue.recordMessage(key('note:n1', 'slack'), ref('2.2'), T0, KEEP);
        expect(await queue.findMessage(key('note:n1'), T0 + 1)).toEqual(ref('1.1'));
        expect(await queue.findMessage(key('note:n1', 'slack'), T0 + 1)).toEqual(ref('2.2'));
        expect(await queue.findMessage({ ...key('note:n1'), source: 'other' }, T0 + 1)).toBeNull();
        expect(await queue.findMessage(key('report:n1'), T0 + 1)).toBeNull();
        await queue.recordMessage(key('note:n1'), ref('3.3'), T0 + 5, KEEP);
        expect(await queue.findMessage(key('note:n1'), T0 + 6)).toEqual(ref('3.3'));
      });

      it('forgets an entry after keep', async () => {
        await queue.recordMessage(key('note:old'), ref('1.1'), T0, 1000);
        await queue.recordMessage(key('note:new'), ref('2.2'), T0 + 500, 1000);
        expect(await queue.findMessage(key('note:old'), T0 + 1000)).toEqual(ref('1.1'));
        expect(await queue.findMessage(key('note:old'), T0 + 1001)).toBeNull();
        await queue.pruneMessages(T0 + 1001);
        expect(await queue.findMessage(key('note:old'), T0 + 1001)).toBeNull();
        expect(await queue.findMessage(key('note:new'), T0 + 1001)).toEqual(ref('2.2'));
      });

      it('survives a restart', async () => {
        await queue.recordMessage(key('note:n1'), ref('1.1'), T0, KEEP);
        queue = await reopen();
        expect(await queue.findMessage(key('note:n1'), T0 + DAY)).toEqual(ref('1.1'));
      });

      it('knows whether a job of the lane will still post a note', async () => {
        const parent = posting('p1', 'n1');
        const other = posting('p2', 'n2', { event: 'follow' });
        await queue.accept('misskey', 'p1', [parent], T0);
        await queue.accept('misskey', 'p2', [other], T0);
        expect(await queue.holdsMessage('discord:main', key('note:n1'), 'reply-job')).toBe(true);
        // not the job asking, not another lane, sink or source, not an event that never stands for the note
        expect(await queue.holdsMessage('discord:main', key('note:n1'), parent.id)).toBe(false);
        expect(await queue.holdsMessage('slack:main', key('note:n1', 'slack'), 'x')).toBe(false);
        expect(await queue.holdsMessage('discord:main', { ...key('note:n1'), source: 'other' }, 'x')).toBe(false);
        expect(await queue.holdsMessage('discord:main', key('note:n2'), 'x')).toBe(false);
        // waiting for a retry still counts; dead-lettered or delivered does not
        const [leased] = await queue.lease('discord:main', T0, 1, 1000);
        await queue.reschedule(leased!, T0 + 60_000, 'later', T0);
        expect(await queue.holdsMessage('discord:main', key('note:n1'), 'x')).toBe(true);
        await queue.deadLetter(leased!, 'gone', T0);
        expect(await queue.holdsMessage('discord:main', key('note:n1'), 'x')).toBe(false);
        // retried from the dead letters, it will post the note again
        expect(await queue.retryDead({ ids: [parent.id] }, T0)).toBe(1);
        expect(await queue.holdsMessage('discord:main', key('note:n1'), 'x')).toBe(true);
      });

      it('knows whether a job will still post an abuse report', async () => {
        const report = newJob('r1', { event: 'abuseReport', payload: { type: 'abuseReport', source: 'misskey', report: { id: 'rep1' } } as unknown as Event });
        await queue.accept('misskey', 'r1', [report], T0);
        expect(await queue.holdsMessage('discord:main', key('report:rep1'), 'x')).toBe(true);
        const [leased] = await queue.lease('discord:main', T0, 1, 1000);
        await queue.ack([leased!]);
        expect(await queue.holdsMessage('discord:main', key('report:rep1'), 'x')).toBe(false);
      });
    });

    describe('held jobs (summaries)', () => {
      const SUMMARY: Hold = { until: T0 + 30_000, group: 'hold:summary-1', kind: 'group' };
      /** one event per eventId, each with one job held for `hold`, accepted at `now` */
      async function acceptHeld(eventIds: string[], now: number, hold = SUMMARY): Promise<void> {
        for (const eventId of eventIds) await queue.accept('misskey', eventId, [newJob(eventId, { hold })], now);
      }
      const held = (eventId: string, createdAt: number, hold = SUMMARY): Job => ({
        ...newJob(eventId, { hold }),
        attempts: 0,
        createdAt,
        availableAt: hold.until,
        history: [],
        batch: hold.group,
      });

      it('are due at the hold time, all together, and leased as one group whatever max, ordinary jobs going first', async () => {
        await acceptHeld(['h1', 'h2'], T0);
        await acceptEach(['e1'], T0 + 1);
        await acceptHeld(['h3'], T0 + 2);
        expect(await dueCounts(T0 + 29_999)).toEqual([{ lane: 'discord:main', due: 1 }]);
        expect(eventIds(await drain('discord:main', T0 + 29_999))).toEqual(['e1']);
        expect(await queue.lease('discord:main', T0 + 29_999, 10, 1000)).toEqual([]);

        expect(await dueCounts(SUMMARY.until)).toEqual([{ lane: 'discord:main', due: 3 }]);
        const summary = await queue.lease('discord:main', SUMMARY.until, 1, 1000);
        expect(summary).toEqual([held('h1', T0), held('h2', T0), held('h3', T0 + 2)]);
        await queue.ack(summary);
        expect(await queue.stats()).toEqual([]);
      });

      it('a fresh group of ordinary jobs stops short of a due summary; two summaries never mix', async () => {
        const other: Hold = { until: T0 + 30_000, group: 'hold:summary-2' };
        await acceptEach(['e1'], T0);
        await acceptHeld(['h1'], T0 + 1);
        await acceptHeld(['x1'], T0 + 2, other);
        await acceptEach(['e2'], T0 + 3);
        await acceptHeld(['h2'], T0 + 4);
        const leases: string[][] = [];
        for (let i = 0; i < 4; i += 1) leases.push(eventIds(await drain('discord:main', SUMMARY.until)));
        expect(leases).toEqual([['e1'], ['h1', 'h2'], ['x1'], ['e2']]);
      });

      it('keep their group through release (a rate-limit wait) and through a reschedule: a summary is never split', async () => {
        await acceptHeld(['h1', 'h2', 'h3'], T0);
        const summary = await queue.lease('discord:main', SUMMARY.until, 1, 1000);
        await queue.release(summary, SUMMARY.until + 5000);
        await acceptEach(['e1'], SUMMARY.until + 1);
        expect(eventIds(await queue.lease('discord:main', SUMMARY.until + 1, 10, 1000))).toEqual(['e1']);

        const again = await queue.lease('discord:main', SUMMARY.until + 5000, 1, 1000);
        expect(again).toEqual(summary.map((job) => ({ ...job, availableAt: SUMMARY.until + 5000 })));
        for (const job of again) await queue.reschedule(job, SUMMARY.until + 9000, 'HTTP 502', SUMMARY.until + 5001);
        const third = await queue.lease('discord:main', SUMMARY.until + 9000, 1, 1000);
        expect(eventIds(third)).toEqual(['h1', 'h2', 'h3']);
        expect(third.map((job) => job.batch)).toEqual([SUMMARY.group, SUMMARY.group, SUMMARY.group]);
        expect(third.every((job) => job.attempts === 1)).toBe(true);
      });

      it('survive a restart of the store, held and grouped', async () => {
        await acceptHeld(['h1', 'h2'], T0);
        queue = await reopen();
        expect(await queue.lease('discord:main', T0 + 1, 10, 1000)).toEqual([]);
        expect(await queue.lease('discord:main', SUMMARY.until, 1, 1000)).toEqual([held('h1', T0), held('h2', T0)]);
      });

      it('dead letters keep the hold; retried, they come back as ordinary jobs, one by one', async () => {
        await acceptHeld(['h1', 'h2'], T0);
        const summary = await queue.lease('discord:main', SUMMARY.until, 1, 1000);
        for (const job of summary) await queue.deadLetter(job, 'HTTP 400', SUMMARY.until);
        const letters = await queue.deadLetters();
        expect(letters.map((letter) => [letter.hold, letter.batch])).toEqual([
          [SUMMARY, SUMMARY.group],
          [SUMMARY, SUMMARY.group],
        ]);

        await queue.retryDead({ all: true }, SUMMARY.until + 10);
        const [first] = await queue.lease('discord:main', SUMMARY.until + 10, 1, 1000);
        expect(first).toMatchObject({ eventId: 'h1', batch: first!.id, availableAt: SUMMARY.until + 10 });
        expect(first!.hold).toBeUndefined();
        // released (a rate-limit wait), it stays an ordinary job
        await queue.release([first!], SUMMARY.until + 20);
        const next = await queue.lease('discord:main', SUMMARY.until + 20, 10, 1000);
        expect(next.map((job) => [job.eventId, job.batch])).toEqual([
          ['h1', first!.id],
          ['h2', first!.id],
        ]);
      });

      it('pendingHolds lists each summary still waiting once, until its jobs are delivered or dead', async () => {
        const other: Hold = { until: T0 + 60_000, group: 'hold:summary-2', kind: 'group', key: '["social","discord","followed"]' };
        expect(await queue.pendingHolds()).toEqual([]);
        await acceptHeld(['h1', 'h2'], T0);
        await acceptHeld(['x1'], T0, other);
        await acceptEach(['e1'], T0);
        const byGroup = (holds: Hold[]) => [...holds].sort((a, b) => (a.group < b.group ? -1 : 1));
        expect(byGroup(await queue.pendingHolds())).toEqual([SUMMARY, other]);

        // leased and released (a rate-limit wait): still pending
        await queue.release(await queue.lease('discord:main', SUMMARY.until, 10, 1000), SUMMARY.until + 10);
        queue = await reopen();
        expect(byGroup(await queue.pendingHolds())).toEqual([SUMMARY, other]);

        await queue.ack(await queue.lease('discord:main', SUMMARY.until + 10, 10, 1000));
        expect(await queue.pendingHolds()).toEqual([other]);
        const [x1] = await queue.lease('discord:main', other.until, 10, 1000);
        await queue.deadLetter(x1!, 'HTTP 400', other.until);
        expect(await queue.pendingHolds()).toEqual([]);
        await queue.retryDead({ all: true }, other.until);
        expect(await queue.pendingHolds()).toEqual([]);
      });
    });

    describe('snapshot and restore', () => {
      const NOW = T0 + 10_000;

      it('give the durable state of one store to another, each lane in order, once', async () => {
        const memory = new MemoryQueue();
        await fillForMove(memory);
        const records = await snapshotAll(memory, NOW, 2);
        expect(records.map((record) => record.kind)).toEqual([
          'sink-pause', 'lane-pause', 'message', 'message', 'seen', 'seen', 'seen', 'seen', 'seen', 'dead', 'job', 'job', 'job', 'job',
        ]);
        expect(await queue.restore(records, NOW)).toEqual(records.map(() => true));
        expect(await queue.restore(records, NOW)).toEqual(records.map(() => false));
        expect(comparable(await snapshotAll(queue, NOW, 3))).toEqual(comparable(records));

        // and back: the other store holds the same
        const back = new MemoryQueue();
        expect(await back.restore(await snapshotAll(queue, NOW, 1), NOW)).toEqual(records.map(() => true));
        expect(comparable(await snapshotAll(back, NOW, 100))).toEqual(comparable(records));
      });

      it('leave the restored store working: order, groups, pauses, duplicates, dead letters, messages', async () => {
        const memory = new MemoryQueue();
        await fillForMove(memory);
        await queue.restore(await snapshotAll(memory, NOW, 100), NOW);
        await expect(queue.accept('misskey', 'e2', [newJob('e2')], NOW)).resolves.toBe('duplicate');
        await expect(queue.accept('misskey', 'quiet', [], NOW)).resolves.toBe('duplicate');
        expect(await queue.findMessage({ source: 'misskey', subject: 'note:n1', sink: 'discord' }, NOW)).toEqual({ platform: 'discord', id: 'm1', channel: 'D1' });
        expect(await queue.pausedSinks()).toEqual([{ sink: 'matrix', since: T0, by: 'ops' }]);
        expect((await queue.deadLetters()).map((letter) => [letter.id, letter.attempts, letter.error])).toEqual([[newJob('e4', { sink: 'slack' }).id, 1, 'gone']]);
        // the lane pause holds discord:main until NOW + 1000; the rescheduled group comes back whole, first
        expect(await queue.lease('discord:main', NOW, 10, 1000)).toEqual([]);
        const group = await queue.lease('discord:main', NOW + 1000, 1, 1000);
        expect(group.map((job) => [job.eventId, job.attempts, job.history, job.batch])).toEqual([
          ['e1', 1, [{ at: T0 + 1, error: 'busy' }], newJob('e1').id],
          ['e2', 0, [], newJob('e1').id],
        ]);
        await queue.ack(group);
        expect(eventIds(await queue.lease('discord:main', NOW + 1000, 10, 1000))).toEqual(['e3']);
        expect(await queue.lease('matrix:main', NOW + 1000, 10, 1000)).toEqual([]);
        await queue.resumeSink('matrix');
        expect(eventIds(await queue.lease('matrix:main', NOW + 1000, 10, 1000))).toEqual(['e1']);
      });

      it('take up an interrupted copy where it stopped, behind what came meanwhile', async () => {
        const memory = new MemoryQueue();
        await acceptEach(['a', 'b', 'c', 'd'], T0);
        const records = await snapshotAll(queue, NOW, 100);
        const jobs = records.filter((record) => record.kind === 'job');
        expect(await memory.restore(jobs.slice(0, 2), NOW)).toEqual([true, true]);
        expect(await memory.restore(records, NOW)).toEqual(records.map((record) => record.kind !== 'job' || !jobs.slice(0, 2).includes(record)));
        expect(eventIds(await memory.lease('discord:main', NOW, 10, 1000))).toEqual(['a', 'b', 'c', 'd']);
      });

      it('carry hostile names and texts unchanged', async () => {
        const text = HOSTILE.join('\n');
        const name = HOSTILE.filter((one) => one !== LONE_SURROGATES).join(' ');
        const job = newJob(name, { id: `${name}#1`, source: name, route: name, sink: name, lane: name, template: text, payload: noteEvent(text) });
        await queue.accept(name, name, [job], T0);
        const [leased] = await queue.lease(name, T0, 1, 1000);
        // an error is stored as text: well-formed Unicode (SQLite keeps text as UTF-8)
        const error = name.replace(/ /g, '\n');
        await queue.reschedule(leased!, T0 + 1, error, T0);
        await queue.pauseSink(name, T0, name);
        const records = await snapshotAll(queue, NOW, 100);
        const memory = new MemoryQueue();
        expect(await memory.restore(records, NOW)).toEqual([true, true, true]);
        expect(await snapshotAll(memory, NOW, 100)).toEqual(records);
        expect(await memory.pausedSinks()).toEqual([{ sink: name, since: T0, by: name }]);
        await memory.resumeSink(name);
        expect((await memory.lease(name, NOW, 1, 1000))[0]).toEqual({ ...job, attempts: 1, createdAt: T0, availableAt: T0 + 1, history: [{ at: T0, error }], batch: job.id });
      });

      it('leave out what has ended, and copy a leased job as not leased', async () => {
        await queue.accept('misskey', 'old', [], T0 - 8 * DAY);
        await queue.accept('misskey', 'e1', [newJob('e1')], T0);
        await queue.pauseLane('slack:main', T0 + 5);
        await queue.recordMessage({ source: 'misskey', subject: 'note:n1', sink: 'discord' }, { platform: 'discord', id: 'm1', channel: 'D1' }, T0, 5);
        const [leased] = await queue.lease('discord:main', T0, 1, 60_000);
        const records = await snapshotAll(queue, T0 + 10, 100);
        expect(records).toEqual([
          { kind: 'seen', source: 'misskey', eventId: 'e1', seenAt: T0 },
          { kind: 'job', job: leased },
        ]);
        const memory = new MemoryQueue();
        await memory.restore(records, T0 + 10);
        expect(await memory.lease('discord:main', T0 + 10, 10, 1000)).toEqual([leased]);
      });
    });
  });
}

/**
 * A store with something of every kind: jobs in three lanes (one rescheduled in a group, one leased),
 * a dead letter, a lane and a sink pause, two message map entries and an event without jobs.
 */
export async function fillForMove(queue: Queue): Promise<void> {
  const inLane = (eventId: string, sink: string) => newJob(eventId, { sink });
  await queue.accept('misskey', 'e1', [inLane('e1', 'discord'), inLane('e1', 'matrix')], T0);
  await queue.accept('misskey', 'e2', [inLane('e2', 'discord')], T0);
  await queue.accept('misskey', 'e3', [inLane('e3', 'discord')], T0);
  await queue.accept('misskey', 'e4', [inLane('e4', 'slack')], T0);
  await queue.accept('misskey', 'quiet', [], T0);
  const group = await queue.lease('discord:main', T0, 2, 1000);
  await queue.reschedule(group[0]!, T0 + 2000, 'busy', T0 + 1);
  const [doomed] = await queue.lease('slack:main', T0, 1, 1000);
  await queue.deadLetter(doomed!, 'gone', T0 + 1);
  await queue.pauseLane('discord:main', T0 + 11_000);
  await queue.pauseSink('matrix', T0, 'ops');
  await queue.recordMessage({ source: 'misskey', subject: 'note:n1', sink: 'discord' }, { platform: 'discord', id: 'm1', channel: 'D1' }, T0, 60_000);
  await queue.recordMessage({ source: 'misskey', subject: 'note:n2', sink: 'slack' }, { platform: 'slack', id: '1.2', channel: 'C1' }, T0, 60_000);
}

/** every record snapshot gives, the pages joined */
export async function snapshotAll(queue: Queue, now: number, pageSize: number): Promise<StoreRecord[]> {
  const records: StoreRecord[] = [];
  for await (const page of queue.snapshot(now, pageSize)) {
    expect(page.length).toBeGreaterThan(0);
    expect(page.length).toBeLessThanOrEqual(pageSize);
    expect(new Set(page.map((record) => record.kind)).size).toBe(1);
    records.push(...page);
  }
  return records;
}

/**
 * Records in an order every store gives: kinds in snapshot order, jobs by lane (each lane's in its
 * order), dead letters as listed, the rest by content (a Redis scan has no order).
 */
export function comparable(records: StoreRecord[]): StoreRecord[] {
  const kinds = ['sink-pause', 'lane-pause', 'message', 'seen', 'dead', 'job'];
  const key = (record: StoreRecord) =>
    record.kind === 'job' ? record.job.lane : record.kind === 'dead' ? '' : JSON.stringify(record);
  return [...records].sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Runs a long seeded random sequence of calls on `queue` and on a MemoryQueue, expecting the same
 * answers throughout. `now` mostly moves on but sometimes steps back, as clocks of several
 * instances do.
 */
export async function expectSameAsMemory(queue: Queue, steps = 1000): Promise<void> {
  const queues = [new MemoryQueue(), queue];
  /** runs the same call on both and expects the same answer */
  const both = async <T>(call: (queue: Queue) => Promise<T>, normalize = (value: T) => value): Promise<T> => {
    const [expected, actual] = await Promise.all(queues.map(call));
    expect(normalize(actual!)).toEqual(normalize(expected!));
    return expected!;
  };
  // mulberry32, seeded: a failure replays the same run
  let seed = 7;
  const random = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
  const lanes = ['discord:a', 'discord:b', 'slack:c'];
  // two sinks, each writing to any lane: lanes are shared, as when a destination is configured twice
  const sinks = ['discord', 'slack'];
  const leases: Job[][] = [];
  let now = T0;
  for (let step = 0; step < steps; step++) {
    now += random(250) - 50;
    const op = random(12);
    if (op < 3) {
      const eventId = `e${step}`;
      const jobs = Array.from({ length: 1 + random(3) }, (_, i) =>
        newJob(eventId, { id: `${eventId}:${i}`, lane: lanes[random(lanes.length)]!, sink: sinks[random(sinks.length)]! }),
      );
      await both((queue) => queue.accept('misskey', eventId, jobs, now));
    } else if (op < 6) {
      const lane = lanes[random(lanes.length)]!;
      const [max, leaseMs] = [1 + random(4), 300 + random(500)];
      const leased = await both((queue) => queue.lease(lane, now, max, leaseMs));
      if (leased.length > 0) leases.push(leased);
    } else if (op < 8 && leases.length > 0) {
      // settles a lease, perhaps long expired and leased again since: the queue must not mind
      const leased = leases.splice(random(leases.length), 1)[0]!;
      const [how, later] = [random(4), now + random(1000)];
      if (how === 0) await both((queue) => queue.release(leased, later));
      for (const job of how === 0 ? [] : leased) {
        const settle = random(5);
        if (settle < 2) await both((queue) => queue.ack([job]));
        else if (settle < 4) await both((queue) => queue.reschedule(job, later, `fail ${step}`, now));
        else await both((queue) => queue.deadLetter(job, `dead ${step}`, now));
      }
    } else if (op === 10) {
      const lane = lanes[random(lanes.length)]!;
      const until = now + random(1000) - 200;
      await both((queue) => queue.pauseLane(lane, until));
    } else if (op === 11) {
      const sink = sinks[random(sinks.length)]!;
      const by = random(2) === 0 ? 'ops' : undefined;
      if (random(2) === 0) await both((queue) => queue.pauseSink(sink, now, by));
      else await both((queue) => queue.resumeSink(sink));
    } else if (op === 8) {
      await both((queue) => queue.dueLanes(now), (due) => [...due].sort((a, b) => (a.lane < b.lane ? -1 : 1)));
      await both((queue) => queue.stats());
      await both((queue) => queue.pausedSinks());
    } else {
      await both((queue) => queue.deadLetters(), (dead) => [...dead].sort((a, b) => (a.id < b.id ? -1 : 1)));
      if (random(3) === 0) await both((queue) => queue.retryDead({ all: true }, now));
    }
  }
}
