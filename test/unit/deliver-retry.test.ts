import { delivered, failed, retry, type Verdict } from '../../src/deliver/sink';
import { Harness, MINUTE, POLICY, SECOND, T0, summary } from './deliver-harness';

/** Retries, exhaustion, permanent failures and dead letters, through a real worker and an in-memory SQLite store. */

let h: Harness;
afterEach(async () => {
  await h.stop();
});

describe('a transient failure', () => {
  it('is rescheduled with its error recorded, then delivered and acked exactly once', async () => {
    h = new Harness();
    const sink = h.sink({ script: [retry('HTTP 502 Bad Gateway')] });
    const reschedule = jest.spyOn(h.queue.jobs, 'reschedule');
    const ack = jest.spyOn(h.queue.jobs, 'ack');
    const [id] = await h.accept(sink, 'hello');

    await h.run();
    expect(sink.sent).toHaveLength(1);
    expect(reschedule).toHaveBeenCalledTimes(1);
    expect(reschedule).toHaveBeenCalledWith(expect.objectContaining({ id }), T0 + POLICY.initialBackoff, 'HTTP 502 Bad Gateway', T0);
    expect(ack).not.toHaveBeenCalled();
    expect(await h.waiting()).toBe(1);

    await h.advance(POLICY.initialBackoff - 1);
    expect(sink.sent).toHaveLength(1);

    await h.advance(1);
    expect(sink.sent.map(({ key, at }) => ({ key, at }))).toEqual([
      { key: id, at: T0 },
      { key: id, at: T0 + SECOND },
    ]);
    expect(ack).toHaveBeenCalledTimes(1);
    // the job that was acked carries the attempt recorded in between
    expect(ack.mock.calls[0]![0].map(summary)).toEqual([{ id, attempts: 1, history: [{ at: T0, error: 'HTTP 502 Bad Gateway' }] }]);
    expect(await h.waiting()).toBe(0);
    expect(await h.queue.deadLetters.list()).toEqual([]);

    await h.advance(10 * MINUTE);
    expect(sink.sent).toHaveLength(2);
  });
});

describe('retries run out', () => {
  const failing = (call: number): Verdict => retry(`HTTP 500 #${call + 1}`);

  it(`after maxAttempts (${POLICY.maxAttempts}): dead letter with the last error and the attempt count`, async () => {
    h = new Harness();
    const sink = h.sink({ otherwise: (_delivery, call) => failing(call) });
    const [id] = await h.accept(sink, 'doomed');

    // backoff 1 s, 2 s, 4 s, 8 s: never sooner, and right when due
    const sendTimes = [T0, T0 + 1 * SECOND, T0 + 3 * SECOND, T0 + 7 * SECOND, T0 + 15 * SECOND];
    await h.run();
    for (const [attempt, at] of sendTimes.entries()) {
      if (attempt === 0) continue;
      await h.advanceTo(at - 1);
      expect(sink.sent).toHaveLength(attempt);
      await h.advanceTo(at);
      expect(sink.sent).toHaveLength(attempt + 1);
    }
    expect(sink.sent.map((delivery) => delivery.at)).toEqual(sendTimes);

    const [letter, ...others] = await h.queue.deadLetters.list();
    expect(others).toEqual([]);
    expect(letter).toMatchObject({ id, attempts: POLICY.maxAttempts, failedAt: T0 + 15 * SECOND });
    expect(letter!.error).toBe(`gave up after ${POLICY.maxAttempts} attempts: HTTP 500 #5`);
    expect(letter!.history.map((attempt) => attempt.error)).toEqual(['HTTP 500 #1', 'HTTP 500 #2', 'HTTP 500 #3', 'HTTP 500 #4', letter!.error]);
    expect(await h.waiting()).toBe(0);

    await h.advance(60 * MINUTE);
    expect(sink.sent).toHaveLength(POLICY.maxAttempts);
  });

  it('after maxAge, even with attempts left', async () => {
    h = new Harness({ policy: { ...POLICY, maxAttempts: 100, maxAge: 7 * SECOND } });
    const sink = h.sink({ otherwise: (_delivery, call) => failing(call) });
    const [id] = await h.accept(sink, 'stale');

    await h.run();
    await h.advanceTo(T0 + 1 * SECOND);
    await h.advanceTo(T0 + 3 * SECOND);
    expect(await h.queue.deadLetters.list()).toEqual([]);
    await h.advanceTo(T0 + 7 * SECOND);

    expect(sink.sent.map((delivery) => delivery.at)).toEqual([T0, T0 + 1 * SECOND, T0 + 3 * SECOND, T0 + 7 * SECOND]);
    const letters = await h.queue.deadLetters.list();
    expect(letters.map(summary)).toEqual([{ id, attempts: 4, history: expect.any(Array) as unknown }]);
    expect(letters[0]!.error).toBe('gave up after 4 attempts: HTTP 500 #4');

    await h.advance(60 * MINUTE);
    expect(sink.sent).toHaveLength(4);
  });
});

describe('a permanent failure', () => {
  it('goes to the dead letters at once; the lane goes on with the next job', async () => {
    h = new Harness();
    const sink = h.sink({ script: [failed('HTTP 400: invalid form body')] });
    const [bad, good] = await h.accept(sink, 'bad', 'good');

    await h.run();

    expect(sink.sent.map(({ key, at }) => ({ key, at }))).toEqual([
      { key: bad, at: T0 },
      { key: good, at: T0 },
    ]);
    const letters = await h.queue.deadLetters.list();
    expect(letters.map(summary)).toEqual([{ id: bad, attempts: 1, history: [{ at: T0, error: 'HTTP 400: invalid form body' }] }]);
    expect(letters[0]!.error).toBe('HTTP 400: invalid form body');
    expect(await h.waiting()).toBe(0);
  });

  it('of a broken sink goes to the dead letters and holds the lane until the sink passes its check, not other lanes', async () => {
    h = new Harness();
    const broken = h.sink({ name: 'broken', script: [failed('HTTP 404: Unknown Webhook', true)] });
    const other = h.sink({ name: 'other' });
    const [first, second] = await h.accept(broken, 'b1', 'b2');
    await h.accept(other, 'o1', 'o2');

    await h.run();
    expect(broken.sent.map((delivery) => delivery.key)).toEqual([first]);
    expect((await h.queue.deadLetters.list()).map(summary)).toEqual([{ id: first, attempts: 1, history: [{ at: T0, error: 'HTTP 404: Unknown Webhook' }] }]);
    expect(other.texts()).toEqual(['o1', 'o2']);

    // the sink is checked again after a second; it passes, and the next job goes out
    await h.advance(SECOND - 1);
    expect(broken.started).toBe(0);
    await h.advance(1);
    expect(broken.started).toBe(1);
    expect(broken.sent.map(({ key, at }) => ({ key, at }))).toEqual([
      { key: first, at: T0 },
      { key: second, at: T0 + SECOND },
    ]);
    expect(await h.waiting()).toBe(0);
    expect(await h.queue.deadLetters.list()).toHaveLength(1);
  });

  it('of a sink that stays broken: checks back off (1 s, 2 s, 4 s …) and its jobs wait, none dead, until a check passes', async () => {
    h = new Harness();
    const sink = h.sink({ script: [failed('HTTP 401: Invalid Webhook Token', true)], checks: ['401 Invalid Webhook Token', '401 Invalid Webhook Token', '401 Invalid Webhook Token'] });
    const [first, ...rest] = await h.accept(sink, 'm1', 'm2', 'm3');
    await h.run();
    expect(sink.sent).toHaveLength(1);

    const checksAt: number[] = [];
    for (const at of [1, 3, 7, 15].map((s) => T0 + s * SECOND)) {
      await h.advanceTo(at - 1);
      expect(sink.started).toBe(checksAt.length);
      await h.advanceTo(at);
      checksAt.push(at);
      expect(sink.started).toBe(checksAt.length);
    }
    // the fourth check passed: the waiting jobs go out in order, none was dead-lettered on the way
    expect(sink.sent.map((delivery) => delivery.key)).toEqual([first, ...rest]);
    expect(sink.texts()).toEqual(['m1', 'm2', 'm3']);
    expect((await h.queue.deadLetters.list()).map((letter) => letter.id)).toEqual([first]);
  });
});

describe('retrying dead letters', () => {
  it('re-delivers a dead letter exactly once', async () => {
    h = new Harness();
    const sink = h.sink({ script: [failed('HTTP 400: too long')] });
    const [id] = await h.accept(sink, 'again');
    await h.run();
    expect(await h.queue.deadLetters.list()).toHaveLength(1);

    h.clock += MINUTE;
    expect(await h.queue.deadLetters.retry({ ids: [id!] }, h.clock)).toBe(1);
    await h.run();

    expect(sink.sent.map(({ key, at }) => ({ key, at }))).toEqual([
      { key: id, at: T0 },
      { key: id, at: T0 + MINUTE },
    ]);
    expect(await h.queue.deadLetters.list()).toEqual([]);
    expect(await h.waiting()).toBe(0);

    await h.advance(60 * MINUTE);
    expect(sink.sent).toHaveLength(2);
  });

  it('re-delivers jobs whose retries ran out, with a fresh count of attempts', async () => {
    h = new Harness({ policy: { ...POLICY, maxAttempts: 2 } });
    const sink = h.sink({ script: [retry('HTTP 503'), retry('HTTP 503'), retry('HTTP 503'), delivered()] });
    const [id] = await h.accept(sink, 'patient');
    await h.run();
    await h.advance(SECOND);
    expect((await h.queue.deadLetters.list()).map((letter) => letter.id)).toEqual([id]);

    expect(await h.queue.deadLetters.retry({ sink: sink.name }, h.clock)).toBe(1);
    await h.run(); // third answer: retry, the first attempt of the new round
    expect(await h.queue.deadLetters.list()).toEqual([]);
    await h.advance(SECOND);

    expect(sink.sent).toHaveLength(4);
    expect(await h.queue.deadLetters.list()).toEqual([]);
    expect(await h.waiting()).toBe(0);
  });
});

describe('a sink that throws from send', () => {
  it('is treated as a transient failure and the worker keeps running', async () => {
    h = new Harness();
    const sink = h.sink({ script: [new Error('socket hang up')] });
    const reschedule = jest.spyOn(h.queue.jobs, 'reschedule');
    const [id] = await h.accept(sink, 'first');

    await h.run();
    expect(reschedule).toHaveBeenCalledWith(expect.objectContaining({ id }), T0 + SECOND, 'sink error: socket hang up', T0);
    expect(await h.queue.deadLetters.list()).toEqual([]);

    await h.advance(SECOND);
    await h.accept(sink, 'second');
    await h.run();
    expect(sink.texts()).toEqual(['first', 'first', 'second']);
    expect(await h.waiting()).toBe(0);
  });

  it('also when it throws synchronously', async () => {
    h = new Harness();
    const sink = h.sink();
    jest.spyOn(sink, 'send').mockImplementationOnce(() => {
      throw new Error('not a promise');
    });
    const reschedule = jest.spyOn(h.queue.jobs, 'reschedule');
    await h.accept(sink, 'sync');

    await h.run();
    expect(reschedule).toHaveBeenCalledWith(expect.anything(), T0 + SECOND, 'sink error: not a promise', T0);
    await h.advance(SECOND);
    expect(sink.texts()).toEqual(['sync']);
    expect(await h.waiting()).toBe(0);
  });

  it.each([
    ['a string', 'connection reset', 'sink error: connection reset'],
    ['undefined', undefined, 'sink error: undefined'],
    ['null', null, 'sink error: null'],
  ])('also when what it throws is not an Error (%s)', async (_name, thrown, reason) => {
    h = new Harness();
    const sink = h.sink({ script: [{ throws: thrown }] });
    const reschedule = jest.spyOn(h.queue.jobs, 'reschedule');
    const [id] = await h.accept(sink, 'odd');

    await h.run();
    expect(reschedule).toHaveBeenCalledWith(expect.objectContaining({ id }), T0 + SECOND, reason, T0);

    await h.advance(SECOND);
    expect(sink.texts()).toEqual(['odd', 'odd']);
    expect(await h.waiting()).toBe(0);
    expect(await h.queue.deadLetters.list()).toEqual([]);
  });
});
