import { delivered, failed, retry, type Delivery, type Verdict } from '../../src/deliver/sink';
import type { RenderJob } from '../../src/deliver/render-jobs';
import { noteText } from '../helpers/events';
import { Harness, renderText, SECOND, T0, summary, texts } from './deliver-harness';

/** A lane's backlog combined into digests: sizes, order, exactly once, splitting refused digests. */

let h: Harness;
afterEach(async () => {
  await h.stop();
});

const sizes = (sink: { sent: { texts: string[] }[] }) => sink.sent.map((delivery) => delivery.texts.length);

/** refuses any delivery carrying a message with this text, as a platform refuses one bad embed */
const refusing =
  (bad: string, sinkBroken = false) =>
  (delivery: Delivery): Verdict =>
    delivery.messages.some((message) => message.text === bad) ? failed('HTTP 400: Invalid Form Body', sinkBroken) : delivered();

describe('digests', () => {
  it('a backlog of 23 goes out in digests of at most maxBatch, every job once and in order', async () => {
    h = new Harness({ digestThreshold: 5 });
    const sink = h.sink({ maxBatch: 10 });
    const ids = await h.accept(sink, ...texts('m', 23));

    await h.run();

    expect(sizes(sink).every((size) => size >= 1 && size <= 10)).toBe(true);
    expect(sizes(sink)[0]).toBe(10);
    expect(sink.texts()).toEqual(texts('m', 23));
    expect(await h.waiting()).toBe(0);
    // a digest's key is derived from all its jobs, a single message's is its job's id
    expect(ids).not.toContain(sink.sent[0]!.key);
    expect(new Set(sink.sent.map((delivery) => delivery.key)).size).toBe(sink.sent.length);
    const last = sink.sent.at(-1)!;
    expect(last.texts).toEqual(['m23']);
    expect(last.key).toBe(ids[22]);
  });

  it('below the threshold each delivery carries one message', async () => {
    h = new Harness({ digestThreshold: 5 });
    const sink = h.sink({ maxBatch: 10 });
    const ids = await h.accept(sink, ...texts('m', 4));

    await h.run();

    expect(sink.batches()).toEqual(texts('m', 4).map((text) => [text]));
    expect(sink.sent.map((delivery) => delivery.key)).toEqual(ids);
  });

  it('a digest refused as a whole is split: its messages go one by one, only the bad one is dead', async () => {
    h = new Harness({ digestThreshold: 5 });
    const sink = h.sink({ maxBatch: 10, otherwise: refusing('m3') });
    const ids = await h.accept(sink, ...texts('m', 6));

    await h.run();

    expect(sink.batches()).toEqual([texts('m', 6), ...texts('m', 6).map((text) => [text])]);
    const letters = await h.queue.deadLetters.list();
    expect(letters.map(summary)).toEqual([{ id: ids[2], attempts: 1, history: [{ at: T0, error: 'HTTP 400: Invalid Form Body' }] }]);
    expect(await h.waiting()).toBe(0);
  });

  it('a digest refused because the sink is broken is dead as a whole, and the lane waits for the sink’s check', async () => {
    h = new Harness({ digestThreshold: 5 });
    const sink = h.sink({ maxBatch: 6, otherwise: refusing('m3', true) });
    const ids = await h.accept(sink, ...texts('m', 6));
    const [later] = await h.accept(sink, 'later');

    await h.run();
    expect(sink.batches()).toEqual([texts('m', 6)]);
    expect((await h.queue.deadLetters.list()).map((letter) => letter.id)).toEqual(ids);

    await h.advance(SECOND - 1);
    expect(sink.sent).toHaveLength(1);
    await h.advance(1);
    expect(sink.batches()).toEqual([texts('m', 6), ['later']]);
    expect(sink.sent[1]!.key).toBe(later);
    expect(await h.waiting()).toBe(0);
  });

  it('a digest that fails transiently is retried as the same message with the same key', async () => {
    h = new Harness({ digestThreshold: 5 });
    const sink = h.sink({ maxBatch: 10, script: [retry('HTTP 502')] });
    await h.accept(sink, ...texts('m', 12));

    await h.run();
    expect(sizes(sink)).toEqual([10]);
    await h.accept(sink, 'n1', 'n2', 'n3');
    await h.advance(SECOND);

    const [first, second, ...rest] = sink.sent;
    expect(second!.texts).toEqual(first!.texts);
    expect(second!.key).toBe(first!.key);
    expect(sink.texts().slice(20)).toEqual(['m11', 'm12', 'n1', 'n2', 'n3']);
    expect(rest.flatMap((delivery) => delivery.texts)).toEqual(['m11', 'm12', 'n1', 'n2', 'n3']);
    expect(await h.waiting()).toBe(0);
  });

  it('a sink with digests turned off gets one message per delivery, whatever the backlog', async () => {
    h = new Harness({ digestThreshold: 5, noDigest: new Set(['plain']) });
    const plain = h.sink({ name: 'plain', maxBatch: 10 });
    const combining = h.sink({ name: 'combining', maxBatch: 10 });
    await h.accept(plain, ...texts('p', 23));
    await h.accept(combining, ...texts('c', 23));

    await h.run();

    expect(sizes(plain)).toEqual(Array(23).fill(1));
    expect(plain.texts()).toEqual(texts('p', 23));
    expect(sizes(combining)[0]).toBe(10);
    expect(combining.texts()).toEqual(texts('c', 23));
  });

  it('digestThreshold 0 turns digests off', async () => {
    h = new Harness({ digestThreshold: 0 });
    const sink = h.sink({ maxBatch: 10 });
    await h.accept(sink, ...texts('m', 23));

    await h.run();
    expect(sizes(sink)).toEqual(Array(23).fill(1));
  });
});

describe('wording at send time', () => {
  /** words jobs as renderText does, except that the template fails for one text */
  const failingFor =
    (bad: string): RenderJob =>
    (job, platform) => {
      if (noteText(job.payload) === bad) throw new Error('tpl.hbs:3: Must pass iterator to #each');
      return renderText(job, platform);
    };

  it('a job whose template fails is dead-lettered with the reason; the rest of its digest goes out', async () => {
    h = new Harness({ digestThreshold: 5, render: failingFor('m2') });
    const sink = h.sink({ maxBatch: 10 });
    const ids = await h.accept(sink, ...texts('m', 6));

    await h.run();

    expect(sink.batches()).toEqual([['m1', 'm3', 'm4', 'm5', 'm6']]);
    const letters = await h.queue.deadLetters.list();
    expect(letters.map(summary)).toEqual([{ id: ids[1], attempts: 1, history: [{ at: T0, error: 'template "note" failed: tpl.hbs:3: Must pass iterator to #each' }] }]);
    expect(await h.waiting()).toBe(0);
  });

  it('a lone job whose template fails sends nothing and the lane goes on', async () => {
    h = new Harness({ render: failingFor('m1') });
    const sink = h.sink();
    await h.accept(sink, 'm1', 'm2');

    await h.run();

    expect(sink.batches()).toEqual([['m2']]);
    expect(await h.queue.deadLetters.list()).toHaveLength(1);
  });
});
