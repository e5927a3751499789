import { delivered, failed, type Verdict } from '../../src/deliver/sink';
import { deferred } from '../helpers/scripted-sink';
import { Harness, MINUTE, SECOND, T0, flush, summary, until } from './deliver-harness';

/** Sinks that are not ready yet, stopping the worker, and jobs that keep cutting their sends off. */

let h: Harness;
afterEach(async () => {
  await h.stop();
});

describe('a sink that is not ready', () => {
  it('keeps its jobs waiting without attempts or dead letters, and gets them once ready', async () => {
    const ready = new Set<string>(['other']);
    h = new Harness({ isReady: (name) => ready.has(name) });
    const sink = h.sink({ name: 'late', script: [failed('HTTP 400: bad embed')] });
    const other = h.sink({ name: 'other' });
    const reschedule = jest.spyOn(h.queue.jobs, 'reschedule');
    const [first, second] = await h.accept(sink, 'w1', 'w2');
    await h.accept(other, 'o1');

    await h.run();
    for (let i = 0; i < 12; i += 1) await h.advance(5 * SECOND);
    expect(sink.sent).toEqual([]);
    expect(other.texts()).toEqual(['o1']);
    expect(reschedule).not.toHaveBeenCalled();
    expect(await h.queue.deadLetters.list()).toEqual([]);
    expect(await h.waiting()).toBe(2);

    ready.add('late');
    await h.advance(5 * SECOND);

    expect(sink.sent.map(({ key, at }) => ({ key, at }))).toEqual([
      { key: first, at: T0 + 65 * SECOND },
      { key: second, at: T0 + 65 * SECOND },
    ]);
    // the failure once ready is the job's first and only attempt
    expect((await h.queue.deadLetters.list()).map(summary)).toEqual([
      { id: first, attempts: 1, history: [{ at: T0 + 65 * SECOND, error: 'HTTP 400: bad embed' }] },
    ]);
    expect(await h.waiting()).toBe(0);
  });
});

describe('stop', () => {
  it('lets a send in flight finish and settle within the grace period, then leases nothing more', async () => {
    h = new Harness();
    const answer = deferred<Verdict>();
    const sink = h.sink({ script: [() => answer.promise] });
    const [inFlight] = await h.accept(sink, 's1', 's2');
    const ack = jest.spyOn(h.queue.jobs, 'ack');
    const lease = jest.spyOn(h.queue.jobs, 'lease');

    h.kick();
    await until(() => sink.sent.length === 1);
    let stopped = false;
    const stopping = h.worker.stop(60_000).then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);

    answer.resolve(delivered());
    await stopping;
    expect(ack).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith([expect.objectContaining({ id: inFlight })]);
    const leases = lease.mock.calls.length;

    h.clock += MINUTE;
    h.worker.wake();
    await flush();
    expect(lease).toHaveBeenCalledTimes(leases);
    expect(sink.texts()).toEqual(['s1']);
    // s2 is free for the next worker
    expect(await h.queue.jobs.dueLanes(h.clock)).toEqual([{ lane: sink.lane, due: 1 }]);
  });

  it('returns after the grace period when a send never ends; the lease then expires into a retry', async () => {
    h = new Harness({ leaseMs: 2 * MINUTE });
    const sink = h.sink({ script: [() => new Promise<Verdict>(() => undefined)] });
    await h.accept(sink, 'stuck');

    h.kick();
    await until(() => sink.sent.length === 1);
    await h.worker.stop(10);

    expect(await h.queue.jobs.dueLanes(T0 + 2 * MINUTE - 1)).toEqual([]);
    expect(await h.queue.jobs.dueLanes(T0 + 2 * MINUTE + 1)).toEqual([{ lane: sink.lane, due: 1 }]);
  });

  it('leases nothing when it stops while the worker is reading the queue', async () => {
    h = new Harness();
    const sink = h.sink();
    await h.accept(sink, 'late');
    const lease = jest.spyOn(h.queue.jobs, 'lease');

    h.kick(); // the first look for due lanes is under way
    await h.worker.stop(SECOND);
    await flush();

    expect(lease).not.toHaveBeenCalled();
    expect(sink.sent).toEqual([]);
    expect(await h.queue.jobs.dueLanes(h.clock)).toEqual([{ lane: sink.lane, due: 1 }]);
  });

  it('stops its poll loop', async () => {
    h = new Harness({ pollMs: 1 });
    const sink = h.sink();
    await h.accept(sink, 'one');
    await h.run();
    expect(sink.texts()).toEqual(['one']);
    await h.worker.stop(SECOND);
    const lease = jest.spyOn(h.queue.jobs, 'lease');
    const dueLanes = jest.spyOn(h.queue.jobs, 'dueLanes');

    await h.accept(sink, 'two');
    h.clock += MINUTE;
    // a few of the worker's poll periods of real time
    await new Promise((resolve) => setTimeout(resolve, 30));

    expect(dueLanes).not.toHaveBeenCalled();
    expect(lease).not.toHaveBeenCalled();
    expect(sink.texts()).toEqual(['one']);
  });
});

describe('a job whose sends keep being cut off', () => {
  it('goes to the dead letters once its leases ran out unsettled maxCrashes times, and the lane goes on', async () => {
    h = new Harness();
    const sink = h.sink();
    const [poison, next] = await h.accept(sink, 'poison', 'next');
    // three processes took it and died before a verdict: each lease ran out
    for (let lapse = 0; lapse < 3; lapse++) {
      const [held] = await h.queue.jobs.lease(sink.lane, h.clock, 1, 10);
      expect(held?.id).toBe(poison);
      h.clock += 11;
    }
    await h.run();
    const [letter] = await h.queue.deadLetters.list();
    expect(letter?.id).toBe(poison);
    expect(letter?.error).toMatch(/cut off 3 times/);
    await until(() => sink.sent.length === 1);
    expect(sink.sent.map((send) => send.key)).toEqual([next]);
  });
});
