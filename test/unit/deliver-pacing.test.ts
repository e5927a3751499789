import { delivered, retry, type Verdict } from '../../src/deliver/sink';
import { deferred, type Step } from '../helpers/scripted-sink';
import { Harness, POLICY, SECOND, T0, summary, texts, until } from './deliver-harness';

/** Waits the platform asks for, lane independence, order within a lane, and pacing from rate-limit state. */

let h: Harness;
afterEach(async () => {
  await h.stop();
});

const sends = (sink: { sent: { texts: string[]; at: number | undefined }[] }) => sink.sent.map(({ texts: [text], at }) => ({ text, at }));

describe('Retry-After', () => {
  it('a rate-limited retry: nothing is sent again before the wait is over, the job goes right after', async () => {
    h = new Harness();
    const sink = h.sink({ script: [retry('HTTP 429', 30 * SECOND, true)] });
    const release = jest.spyOn(h.queue.jobs, 'release');
    const reschedule = jest.spyOn(h.queue.jobs, 'reschedule');
    const [id] = await h.accept(sink, 'limited');

    await h.run();
    expect(release).toHaveBeenCalledWith([expect.objectContaining({ id })], T0 + 30 * SECOND);
    await h.advance(30 * SECOND - 1);
    expect(sink.sent).toHaveLength(1);

    await h.advance(1);
    expect(sends(sink)).toEqual([
      { text: 'limited', at: T0 },
      { text: 'limited', at: T0 + 30 * SECOND },
    ]);
    expect(reschedule).not.toHaveBeenCalled();
    expect(await h.waiting()).toBe(0);
  });

  it('a rate-limited retry counts no attempt', async () => {
    h = new Harness({ policy: { ...POLICY, maxAttempts: 2 } });
    const limited = retry('HTTP 429', SECOND, true);
    const sink = h.sink({ script: [limited, limited, limited, limited, retry('HTTP 500'), retry('HTTP 500')] });
    const [id] = await h.accept(sink, 'patient');

    await h.run();
    for (let i = 0; i < 4; i += 1) await h.advance(SECOND);
    // four 429s and a 500: with two attempts allowed, only the 500 counted
    expect(sink.sent).toHaveLength(5);
    expect(await h.queue.deadLetters.list()).toEqual([]);

    await h.advance(SECOND);
    const letters = await h.queue.deadLetters.list();
    expect(letters.map(summary)).toEqual([
      {
        id,
        attempts: 2,
        history: [
          { at: T0 + 4 * SECOND, error: 'HTTP 500' },
          { at: T0 + 5 * SECOND, error: 'gave up after 2 attempts: HTTP 500' },
        ],
      },
    ]);
  });

  it('a transient failure with a wait longer than the backoff waits at least that long, and counts an attempt', async () => {
    h = new Harness();
    const sink = h.sink({ script: [retry('HTTP 503', 20 * SECOND)] });
    const reschedule = jest.spyOn(h.queue.jobs, 'reschedule');
    const [id] = await h.accept(sink, 'unavailable');

    await h.run();
    expect(reschedule).toHaveBeenCalledWith(expect.objectContaining({ id }), T0 + 20 * SECOND, 'HTTP 503', T0);
    await h.advance(POLICY.initialBackoff);
    await h.advanceTo(T0 + 20 * SECOND - 1);
    expect(sink.sent).toHaveLength(1);

    await h.advance(1);
    expect(sends(sink)).toEqual([
      { text: 'unavailable', at: T0 },
      { text: 'unavailable', at: T0 + 20 * SECOND },
    ]);
  });

  it('a transient failure with a wait shorter than the backoff waits the backoff', async () => {
    h = new Harness({ policy: { ...POLICY, initialBackoff: 10 * SECOND } });
    const sink = h.sink({ script: [retry('HTTP 503', 10)] });
    await h.accept(sink, 'unavailable');

    await h.run();
    await h.advance(10 * SECOND - 1);
    expect(sink.sent).toHaveLength(1);
    await h.advance(1);
    expect(sink.sent).toHaveLength(2);
  });
});

describe('lanes', () => {
  it("one lane's 429s never delay another lane", async () => {
    h = new Harness();
    const a = h.sink({ name: 'a', otherwise: retry('HTTP 429', SECOND, true) });
    const b = h.sink({ name: 'b' });
    await h.accept(a, 'a1', 'a2');

    for (let i = 1; i <= 10; i += 1) {
      await h.accept(b, `b${i}`);
      await h.run();
      // delivered as soon as it was stored, however often lane a was told to wait
      expect(b.sent.at(-1)).toEqual(expect.objectContaining({ texts: [`b${i}`], at: h.clock }));
      await h.advance(SECOND);
    }
    expect(b.texts()).toEqual(texts('b', 10));
    // lane a was tried again and again meanwhile, its first job only
    expect(a.sent.length).toBeGreaterThanOrEqual(5);
    expect(new Set(a.texts())).toEqual(new Set(['a1']));
    expect(await h.waiting()).toBe(2);
  });

  it('a lane waiting on its answer does not hold back another lane', async () => {
    h = new Harness();
    const answer = deferred<Verdict>();
    const a = h.sink({ name: 'a', script: [() => answer.promise] });
    const b = h.sink({ name: 'b' });
    await h.accept(a, 'a1');
    await h.accept(b, ...texts('b', 5));

    h.kick();
    await until(() => b.sent.length === 5);
    expect(a.texts()).toEqual(['a1']);
    expect(b.sent.every((delivery) => delivery.at === T0)).toBe(true);

    answer.resolve(retry('HTTP 429', 30 * SECOND, true));
    await h.worker.idle();
    await h.accept(b, 'b6');
    await h.run();
    expect(b.texts()).toEqual(texts('b', 6));
    expect(a.sent).toHaveLength(1);
  });
});

describe('order within a lane', () => {
  const failures: [string, Step][] = [
    ['a transient failure', retry('HTTP 500')],
    ['a transient failure with a wait', retry('HTTP 503', 5 * SECOND)],
    ['a rate limit', retry('HTTP 429', 3 * SECOND, true)],
    ['a throwing sink', new Error('ECONNRESET')],
  ];

  it.each(failures)('holds after %s of the first job', async (_name, failure) => {
    h = new Harness();
    const sink = h.sink({ script: [failure] });
    await h.accept(sink, ...texts('m', 5));

    await h.run();
    await h.run();
    expect(sink.texts()).toEqual(['m1']);
    for (let i = 0; i < 20; i += 1) await h.advance(SECOND);

    expect(sink.texts()).toEqual(['m1', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(await h.waiting()).toBe(0);
  });

  it.each(failures)('holds after %s of a job in the middle', async (_name, failure) => {
    h = new Harness();
    const sink = h.sink({ script: [delivered(), delivered(), failure] });
    await h.accept(sink, ...texts('m', 5));

    await h.run();
    expect(sink.texts()).toEqual(['m1', 'm2', 'm3']);
    for (let i = 0; i < 20; i += 1) await h.advance(SECOND);

    expect(sink.texts()).toEqual(['m1', 'm2', 'm3', 'm3', 'm4', 'm5']);
  });
});

describe('pace from the platform', () => {
  it('no window left: the lane sends nothing more until the window resets', async () => {
    h = new Harness();
    const sink = h.sink({ script: [delivered('msg-1', { remaining: 0, resetAfterMs: 2000 })] });
    const other = h.sink({ name: 'other' });
    await h.accept(sink, 'p1', 'p2', 'p3');
    await h.accept(other, 'o1');

    await h.run();
    expect(sends(sink)).toEqual([{ text: 'p1', at: T0 }]);
    expect(other.texts()).toEqual(['o1']);

    await h.advance(1999);
    expect(sink.sent).toHaveLength(1);
    await h.advance(1);
    expect(sends(sink)).toEqual([
      { text: 'p1', at: T0 },
      { text: 'p2', at: T0 + 2000 },
      { text: 'p3', at: T0 + 2000 },
    ]);
  });

  it('some of the window left: the sends spread over what remains of it', async () => {
    h = new Harness();
    const sink = h.sink({ otherwise: delivered(undefined, { remaining: 3, resetAfterMs: 2000 }) });
    await h.accept(sink, 'p1', 'p2', 'p3');

    await h.run();
    await h.advance(499);
    expect(sink.sent).toHaveLength(1);
    await h.advance(1);
    expect(sink.sent).toHaveLength(2);
    await h.advance(500);
    expect(sends(sink).map((send) => send.at)).toEqual([T0, T0 + 500, T0 + 1000]);
  });

  it('a lane the queue still held when the worker looked is woken when its wait ends, not a poll later', async () => {
    h = new Harness();
    const sink = h.sink({ otherwise: delivered(undefined, { remaining: 3, resetAfterMs: 2000 }) });
    await h.accept(sink, 'p1', 'p2');
    await h.run();
    expect(sink.sent).toHaveLength(1);

    // the worker looks a millisecond before the lane may send, and the clock passes that moment
    // while the queue answers (a timer fired early; a slow read)
    const dueLanes = h.queue.jobs.dueLanes.bind(h.queue.jobs);
    h.queue.jobs.dueLanes = async (now) => {
      const lanes = await dueLanes(now);
      h.clock = Math.max(h.clock, T0 + 500);
      return lanes;
    };
    h.clock = T0 + 499;
    h.kick();
    // the poll is an hour away: only the wake-up for the lane's wait can send p2
    await new Promise((resolve) => setTimeout(resolve, 50));
    await h.worker.idle();
    expect(sends(sink).map((send) => send.at)).toEqual([T0, T0 + 500]);
  });

  it('learned from 429s, a gap between sends keeps the lane under the limit', async () => {
    h = new Harness();
    const sink = h.sink({ script: [retry('HTTP 429', 2 * SECOND, true)] });
    await h.accept(sink, 'p1', 'p2');

    await h.run();
    await h.advance(2 * SECOND);
    expect(sink.texts()).toEqual(['p1', 'p1']);
    await h.advance(2 * SECOND - 1);
    expect(sink.texts()).toEqual(['p1', 'p1']);
    await h.advance(1);
    expect(sink.texts()).toEqual(['p1', 'p1', 'p2']);
    expect(await h.waiting()).toBe(0);
  });
});
