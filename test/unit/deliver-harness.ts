import { openSqliteStore } from '../../src/store/sqlite/store';
import type { RetryPolicy } from '../../src/deliver/policy';
import type { RenderJob } from '../../src/deliver/render-jobs';
import { DeliveryWorker, type WorkerOptions } from '../../src/deliver/worker';
import { silentLogger } from '../../src/observe/logger';
import type { Job, NewJob } from '../../src/store/jobs';
import { noteEvent, noteText } from '../helpers/events';
import { ScriptedSink, type ScriptedSinkOptions } from '../helpers/scripted-sink';

/** the fake clock's start */
export const T0 = 1_700_000_000_000;
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** no jitter, so every wait is exact: 1 s, 2 s, 4 s, … */
export const POLICY: RetryPolicy = {
  maxAttempts: 5,
  maxAge: 24 * 60 * MINUTE,
  initialBackoff: SECOND,
  maxBackoff: 10 * MINUTE,
  factor: 2,
  jitter: 0,
  maxCrashes: 3,
};

/**
 * A real DeliveryWorker on a real store (SQLite in memory), with scripted sinks and a fake clock. The worker's
 * own poll timer is set far beyond any test, so it moves only when `run` / `advance` wake it.
 */
export class Harness {
  clock = T0;
  readonly queue = openSqliteStore({ path: ':memory:' });
  readonly worker: DeliveryWorker;
  private readonly sinks = new Map<string, ScriptedSink>();
  private started = false;
  private serial = 0;

  constructor(options: Partial<WorkerOptions> = {}) {
    this.worker = new DeliveryWorker({
      store: this.queue,
      sinks: this.sinks,
      policy: POLICY,
      logger: silentLogger(),
      now: () => this.clock,
      pollMs: 60 * MINUTE,
      digestThreshold: 0,
      render: renderText,
      ...options,
    });
  }

  /** a sink the worker knows by its name, stamping its deliveries with the fake clock */
  sink(options: ScriptedSinkOptions = {}): ScriptedSink {
    const sink = new ScriptedSink({ now: () => this.clock, ...options });
    this.sinks.set(sink.name, sink);
    return sink;
  }

  /** stores one event per text, each with one job for `sink`; returns the job ids in order */
  async accept(sink: ScriptedSink, ...texts: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const text of texts) {
      const eventId = `e${++this.serial}`;
      const job = newJob(sink, eventId, text);
      await this.queue.jobs.accept('misskey', eventId, [job], this.clock);
      ids.push(job.id);
    }
    return ids;
  }

  /** starts the worker, or wakes it, without waiting (for sends the test holds in flight) */
  kick(): void {
    if (this.started) this.worker.wake();
    else {
      this.started = true;
      this.worker.start();
    }
  }

  /** lets the worker do everything due at the current time, then returns */
  async run(): Promise<void> {
    this.kick();
    await this.worker.idle();
  }

  /** moves the fake clock on, then lets the worker catch up */
  async advance(ms: number): Promise<void> {
    this.clock += ms;
    await this.run();
  }

  /** moves the clock to `at` (absolute), then lets the worker catch up */
  async advanceTo(at: number): Promise<void> {
    await this.advance(at - this.clock);
  }

  /** jobs still in the queue (not acked, not dead) */
  async waiting(): Promise<number> {
    return (await this.queue.jobs.stats()).reduce((sum, lane) => sum + lane.depth, 0);
  }

  async stop(): Promise<void> {
    await this.worker.stop(0);
  }
}

/** words a job as its note's text alone: these tests are about delivery, not templates */
export const renderText: RenderJob = (job) => {
  const text = noteText(job.payload);
  return { event: 'note', text, plain: text, images: [], fields: [] };
};

export function newJob(sink: ScriptedSink, eventId: string, text: string): NewJob {
  return {
    id: `misskey:${eventId}:notes:${sink.name}`,
    source: 'misskey',
    eventId,
    event: 'note',
    route: 'notes',
    sink: sink.name,
    lane: sink.lane,
    template: 'note',
    payload: noteEvent(text),
  };
}

/** `n` texts: `${prefix}1` … `${prefix}n` */
export function texts(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
}

/** the fields of a job that tests compare */
export function summary(job: Job): Pick<Job, 'id' | 'attempts' | 'history'> {
  return { id: job.id, attempts: job.attempts, history: job.history };
}

/** lets pending promise callbacks and immediate timers run, without advancing any clock */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** flushes until `check` holds; fails after `rounds` turns of the event loop (no wall-clock timing) */
export async function until(check: () => boolean, rounds = 1000): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    if (check()) return;
    await flush(1);
  }
  throw new Error(`condition still false after ${rounds} rounds: ${check.toString()}`);
}
