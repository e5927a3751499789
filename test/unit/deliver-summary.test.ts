import type { RenderSummary } from '../../src/deliver/summary';
import { deliveryKey } from '../../src/deliver/worker';
import type { Job } from '../../src/store/jobs';
import type { Hold } from '../../src/route/hold';
import { delivered, failed, retry } from '../../src/deliver/sink';
import { noteText } from '../helpers/events';
import type { ScriptedSink } from '../helpers/scripted-sink';
import { Harness, newJob, POLICY, SECOND, T0 } from './deliver-harness';

/** Jobs held for a summary (grouping, quiet hours) go out as one message when it is due. */

let h: Harness;
afterEach(async () => {
  await h.stop();
});

/** words a summary as "summary: text, text, …" so the tests can see which events it holds */
const renderSummary: RenderSummary = (jobs) => {
  const text = `summary: ${jobs.map((job) => noteText(job.payload)).join(', ')}`;
  return { event: 'digest', text, plain: text, images: [], fields: [] };
};

const HOLD: Hold = { until: T0 + 30 * SECOND, group: 'hold:test-group', kind: 'group' };

/** stores one event per text with one job held for `hold`; returns the job ids */
async function acceptHeld(sink: ScriptedSink, texts: string[], hold = HOLD): Promise<string[]> {
  const ids: string[] = [];
  for (const text of texts) {
    const job = { ...newJob(sink, `held-${text}`, text), hold };
    await h.queue.jobs.accept('misskey', job.eventId, [job], h.clock);
    ids.push(job.id);
  }
  return ids;
}

describe('summaries', () => {
  it('go out once due, as one message holding every event, while other messages pass at once', async () => {
    h = new Harness({ renderSummary });
    const sink = h.sink();
    const ids = await acceptHeld(sink, ['a', 'b']);
    await h.accept(sink, 'now');
    await h.advance(10 * SECOND);
    await acceptHeld(sink, ['c']);

    expect(sink.texts()).toEqual(['now']);
    await h.advanceTo(HOLD.until - 1);
    expect(sink.sent).toHaveLength(1);

    await h.advanceTo(HOLD.until);
    expect(sink.sent).toHaveLength(2);
    expect(sink.sent[1]).toMatchObject({ texts: ['summary: a, b, c'], at: HOLD.until });
    expect(sink.sent[1]!.key).toBe(deliveryKey([...ids, `misskey:held-c:notes:${sink.name}`].map((id) => ({ id }) as Job)));
    expect(await h.waiting()).toBe(0);
  });

  it('a rate-limited summary waits and goes out again as the same single message with the same key', async () => {
    h = new Harness({ renderSummary });
    const sink = h.sink({ script: [retry('HTTP 429', 5 * SECOND, true)] });
    await acceptHeld(sink, ['a', 'b', 'c']);
    // another event arrives while the summary waits: it never joins it
    await h.advanceTo(HOLD.until);
    await h.accept(sink, 'late');
    await h.advance(5 * SECOND);
    // the pacer spaces the lane's sends after a rate limit
    await h.advance(60 * SECOND);

    const summaries = sink.sent.filter((delivery) => delivery.texts[0]!.startsWith('summary'));
    expect(summaries.map((delivery) => delivery.texts)).toEqual([['summary: a, b, c'], ['summary: a, b, c']]);
    expect(summaries[0]!.key).toBe(summaries[1]!.key);
    expect(sink.texts()).toContain('late');
    expect(await h.waiting()).toBe(0);
  });

  it('a summary that keeps failing is retried whole, never split', async () => {
    h = new Harness({ renderSummary });
    const sink = h.sink({ script: [retry('HTTP 502'), retry('HTTP 502')] });
    await acceptHeld(sink, ['a', 'b']);
    await h.advanceTo(HOLD.until);
    await h.advance(SECOND);
    await h.advance(2 * SECOND);

    expect(sink.sent.map((delivery) => delivery.texts)).toEqual([['summary: a, b'], ['summary: a, b'], ['summary: a, b']]);
    expect(new Set(sink.sent.map((delivery) => delivery.key)).size).toBe(1);
  });

  it('a refused summary goes to the dead-letter list whole; retried from there, its events go one by one', async () => {
    h = new Harness({ renderSummary });
    const sink = h.sink({ script: [failed('HTTP 400: Invalid Form Body')] });
    await acceptHeld(sink, ['a', 'b']);
    await h.advanceTo(HOLD.until);

    expect(sink.sent).toHaveLength(1);
    expect((await h.queue.deadLetters.list()).map((letter) => noteText(letter.payload))).toEqual(['a', 'b']);
    await h.queue.deadLetters.retry({ all: true }, h.clock);
    await h.run();
    expect(sink.sent.slice(1).map((delivery) => delivery.texts)).toEqual([['a'], ['b']]);
  });

  it("the time held does not count against the retry policy's maxAge", async () => {
    h = new Harness({ renderSummary, policy: { ...POLICY, maxAge: 10 * SECOND } });
    const sink = h.sink({ script: [retry('HTTP 502'), retry('HTTP 429', SECOND, true)] });
    await acceptHeld(sink, ['a', 'b']);
    await h.advanceTo(HOLD.until);
    await h.advance(SECOND);
    await h.advance(SECOND);
    expect(sink.sent).toHaveLength(3);
    expect(await h.queue.deadLetters.list()).toEqual([]);
    expect(await h.waiting()).toBe(0);
  });

  it('a summary of one event reads as that event', async () => {
    h = new Harness({ renderSummary });
    const sink = h.sink();
    const [id] = await acceptHeld(sink, ['alone']);
    await h.advanceTo(HOLD.until);
    expect(sink.sent).toEqual([expect.objectContaining({ key: id, texts: ['alone'] })]);
  });

  it('a failing summary template sends nothing and dead-letters every event of it', async () => {
    h = new Harness({
      renderSummary: () => {
        throw new Error('digest.hbs:3: boom');
      },
    });
    const sink = h.sink({ otherwise: delivered() });
    await acceptHeld(sink, ['a', 'b']);
    await h.advanceTo(HOLD.until);
    expect(sink.sent).toEqual([]);
    expect((await h.queue.deadLetters.list()).map((letter) => letter.error)).toEqual([
      'summary template failed: digest.hbs:3: boom',
      'summary template failed: digest.hbs:3: boom',
    ]);
  });

  it('two summaries of one lane never mix', async () => {
    h = new Harness({ renderSummary });
    const sink = h.sink();
    await acceptHeld(sink, ['a1', 'a2']);
    await acceptHeld(sink, ['b1', 'b2'], { ...HOLD, group: 'hold:other' });
    await h.advanceTo(HOLD.until);
    expect(sink.sent.map((delivery) => delivery.texts)).toEqual([['summary: a1, a2'], ['summary: b1, b2']]);
  });
});
