import type { Store } from '../../src/store/store';
import { DeliveryWorker } from '../../src/deliver/worker';
import { silentLogger } from '../../src/observe/logger';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { delivered, retry, type Verdict } from '../../src/deliver/sink';
import { ScriptedSink } from '../helpers/scripted-sink';
import { MINUTE, newJob, POLICY, renderText, SECOND, T0 } from './deliver-harness';

/**
 * Several bridge instances on one store: each has its own worker, sink and pacer, and only the
 * queue in common. A wait one instance was told about must hold the others too.
 */

let clock: number;
let queue: Store;
const workers: DeliveryWorker[] = [];

beforeEach(() => {
  clock = T0;
  queue = openSqliteStore({ path: ':memory:' });
});

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.stop(0);
});

/** one instance: a worker on the shared queue and clock, with its own sink for the same destination */
function instance(answer: Verdict): { sink: ScriptedSink; run: () => Promise<void> } {
  const sink = new ScriptedSink({ name: 'hook', lane: 'discord:hook', now: () => clock, otherwise: answer });
  const worker = new DeliveryWorker({
    store: queue,
    sinks: new Map([[sink.name, sink]]),
    policy: POLICY,
    render: renderText,
    logger: silentLogger(),
    now: () => clock,
    // the worker moves only when the test runs it
    pollMs: 60 * MINUTE,
    digestThreshold: 0,
  });
  workers.push(worker);
  let started = false;
  return {
    sink,
    run: async () => {
      if (started) worker.wake();
      else worker.start();
      started = true;
      await worker.idle();
    },
  };
}

async function accept(...texts: string[]): Promise<void> {
  const sink = new ScriptedSink({ name: 'hook', lane: 'discord:hook' });
  for (const text of texts) await queue.jobs.accept('misskey', text, [newJob(sink, text, text)], clock);
}

const sends = (sink: ScriptedSink) => sink.sent.map(({ texts: [text], at }) => ({ text, at }));

it("the window's end one instance was told about holds the lane for another instance", async () => {
  const pace = delivered('msg', { remaining: 0, resetAfterMs: 2000 });
  const a = instance(pace);
  const b = instance(pace);
  await accept('m1', 'm2', 'm3');

  await a.run();
  expect(sends(a.sink)).toEqual([{ text: 'm1', at: T0 }]);
  // b has never sent to this destination: only the queue tells it to wait
  for (const at of [T0, T0 + 1000, T0 + 1999]) {
    clock = at;
    await b.run();
  }
  expect(b.sink.sent).toEqual([]);

  clock = T0 + 2000;
  await b.run();
  await a.run();
  expect(sends(b.sink)).toEqual([{ text: 'm2', at: T0 + 2000 }]);
  // and now a waits for the window b was told about
  expect(a.sink.sent).toHaveLength(1);

  clock = T0 + 4000;
  await a.run();
  expect(sends(a.sink)).toEqual([
    { text: 'm1', at: T0 },
    { text: 'm3', at: T0 + 4000 },
  ]);
});

it("a 429 one instance got holds the whole lane for another instance for the platform's wait", async () => {
  const a = instance(retry('HTTP 429', 5 * SECOND, true));
  const b = instance(delivered());
  await accept('m1', 'm2');

  await a.run();
  // m2 is due, but sending it would meet the same limit (and overtake m1)
  for (const at of [T0 + 1, T0 + 5 * SECOND - 1]) {
    clock = at;
    await b.run();
  }
  expect(b.sink.sent).toEqual([]);

  clock = T0 + 5 * SECOND;
  await b.run();
  expect(sends(b.sink)).toEqual([
    { text: 'm1', at: T0 + 5 * SECOND },
    { text: 'm2', at: T0 + 5 * SECOND },
  ]);
});

it('records no pause when the lane need not wait', async () => {
  const pauseLane = jest.spyOn(queue.jobs, 'pauseLane');
  const a = instance(delivered('msg', { remaining: 4, resetAfterMs: 0 }));
  await accept('m1', 'm2');

  await a.run();
  expect(a.sink.texts()).toEqual(['m1', 'm2']);
  expect(pauseLane).not.toHaveBeenCalled();
});

it.each([
  ['a transient failure (retry backoff)', retry('HTTP 502', 1500.4)],
  ['a 429', retry('HTTP 429', 1500.4, true)],
])('after %s with a fractional wait, an instance taking over keeps the lane in order', async (_, answer) => {
  const a = instance(answer);
  const b = instance(delivered());
  await accept('m1', 'm2');

  await a.run();
  expect(a.sink.texts()).toEqual(['m1']);
  // a is gone; b takes over with nothing but the queue, at every millisecond around the wait's end
  for (let at = T0 + 1499; at <= T0 + 1502; at++) {
    clock = at;
    await b.run();
  }
  expect(b.sink.texts()).toEqual(['m1', 'm2']);
});
