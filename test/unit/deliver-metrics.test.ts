import { Metrics } from '../../src/observe/metrics';
import { failed, retry } from '../../src/deliver/sink';
import { Harness, POLICY, SECOND, texts } from './deliver-harness';

/** The worker's counters: deliveries by outcome, dead letters, rate limits. */

interface Readable {
  get(): Promise<{ values: { value: number; labels: Partial<Record<string, string | number>> }[] }>;
}

async function value(metric: Readable, labels: Record<string, string>): Promise<number> {
  const { values } = await metric.get();
  return values.find((entry) => Object.entries(labels).every(([key, wanted]) => entry.labels[key] === wanted))?.value ?? 0;
}

let h: Harness;
afterEach(async () => {
  await h.stop();
});

describe('metrics', () => {
  it('count deliveries by outcome, dead letters and rate limits per sink', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    h = new Harness({ metrics, digestThreshold: 5, policy: { ...POLICY, maxAttempts: 2 } });
    const chat = h.sink({ name: 'chat', maxBatch: 10 });
    const quiet = h.sink({ name: 'quiet' });
    const counts = async () => ({
      delivered: await value(metrics.deliveries, { sink: 'chat', outcome: 'delivered' }),
      retry: await value(metrics.deliveries, { sink: 'chat', outcome: 'retry' }),
      rateLimitedOutcome: await value(metrics.deliveries, { sink: 'chat', outcome: 'rate_limited' }),
      failed: await value(metrics.deliveries, { sink: 'chat', outcome: 'failed' }),
      rateLimited: await value(metrics.rateLimited, { sink: 'chat' }),
      deadLetters: await value(metrics.deadLetters, { sink: 'chat' }),
    });
    const zero = { delivered: 0, retry: 0, rateLimitedOutcome: 0, failed: 0, rateLimited: 0, deadLetters: 0 };

    chat.then(retry('HTTP 429', SECOND, true), retry('HTTP 500'));
    await h.accept(chat, 'one');
    await h.run();
    expect(await counts()).toEqual({ ...zero, rateLimitedOutcome: 1, rateLimited: 1 });

    await h.advance(SECOND);
    expect(await counts()).toEqual({ ...zero, rateLimitedOutcome: 1, rateLimited: 1, retry: 1 });

    await h.advance(SECOND);
    expect(await counts()).toEqual({ ...zero, rateLimitedOutcome: 1, rateLimited: 1, retry: 1, delivered: 1 });

    chat.then(failed('HTTP 400: bad embed'));
    await h.accept(chat, 'bad');
    await h.advance(SECOND);
    expect(await counts()).toEqual({ ...zero, rateLimitedOutcome: 1, rateLimited: 1, retry: 1, delivered: 1, failed: 1, deadLetters: 1 });

    // a digest counts each of its jobs
    await h.accept(chat, ...texts('m', 6));
    await h.advance(SECOND);
    expect(chat.sent.at(-1)!.texts).toHaveLength(6);
    expect(await counts()).toEqual({ ...zero, rateLimitedOutcome: 1, rateLimited: 1, retry: 1, delivered: 7, failed: 1, deadLetters: 1 });

    // retries that run out: two send attempts, one dead letter
    chat.then(retry('HTTP 502'), retry('HTTP 502'));
    await h.accept(chat, 'doomed');
    await h.advance(SECOND);
    await h.advance(SECOND);
    expect(await h.queue.deadLetters.list()).toHaveLength(2);
    expect(await counts()).toEqual({ ...zero, rateLimitedOutcome: 1, rateLimited: 1, retry: 3, delivered: 7, failed: 1, deadLetters: 2 });

    // the latency of each delivered job is observed once
    const latency = (await metrics.deliveryLatency.get()).values.find((entry) => entry.metricName?.endsWith('_count') && entry.labels.sink === 'chat');
    expect(latency?.value).toBe(7);

    // another sink's counters stay apart
    await h.accept(quiet, 'q1');
    await h.run();
    expect(await value(metrics.deliveries, { sink: 'quiet', outcome: 'delivered' })).toBe(1);
    expect(await value(metrics.deliveries, { sink: 'chat', outcome: 'delivered' })).toBe(7);
    expect(await metrics.registry.getSingleMetricAsString('misskey_bridge_dead_letters_total')).toContain('misskey_bridge_dead_letters_total{sink="chat"} 2');
  });
});
