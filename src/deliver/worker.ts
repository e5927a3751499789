import { createHash } from 'node:crypto';
import type { RetryPolicy } from './policy';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import type { DueLane, Job } from '../store/jobs';
import type { Store } from '../store/store';
import type { Delivery, Sink, Verdict } from './sink';
import { Conversations, type ConversationOptions } from './conversation';
import { LanePacer } from './lane-pacer';
import type { RenderJob } from './render-jobs';
import { Settler } from './settle';
import { renderLease, type RenderSummary } from './summary';

export interface WorkerOptions {
  store: Pick<Store, 'jobs' | 'messages'>;
  /** by sink name */
  sinks: ReadonlyMap<string, Sink>;
  policy: RetryPolicy;
  /** words each job's message at send time */
  render: RenderJob;
  logger: Logger;
  metrics?: Metrics;
  now?: () => number;
  /** how often to look for due jobs when nothing wakes the worker */
  pollMs?: number;
  /**
   * how long a leased job stays ours before another worker may take it; renewed while its send
   * runs, so a live instance keeps it however slow the platform, and a dead one loses it soon
   */
  leaseMs?: number;
  /** combine a lane's backlog into digests once this many jobs wait; 0 turns digests off */
  digestThreshold?: number;
  /** sinks that never combine messages (`batch: off`) */
  noDigest?: ReadonlySet<string>;
  /** lanes sending at once */
  maxConcurrentLanes?: number;
  /** false while a sink has not passed its start-up check: its jobs wait */
  isReady?: (sink: string) => boolean;
  /** replies in threads and edits in place (conversation.ts) */
  conversations?: ConversationOptions;
  /** words the jobs held for one summary as one message (the `digest` template) */
  renderSummary?: RenderSummary;
  /** moderation and acting from chat: the actions a message offers (report, note and follow cards), if any */
  cardActions?: (sink: Sink, jobs: Job[]) => Pick<Delivery, 'actions' | 'account'>;
}

/** How long a lease lasts unless renewed (config: delivery.leaseTime). */
const DEFAULT_LEASE_MS = 15_000;
/** Jobs of a sink that has not started yet are looked at again after this pause. */
const NOT_READY_RECHECK_MS = 2_000;
/**
 * The delivery loop: for each destination lane with due jobs, lease → send → settle.
 * Lanes run concurrently; within a lane one message is out at a time, in order.
 */
export class DeliveryWorker {
  private readonly pacer = new LanePacer();
  private readonly busy = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private pendingWake: Promise<void> | null = null;
  private wakeAgain = false;
  /** earliest time a lane this instance paced may send again */
  private nextPacedAt = Infinity;
  /** jobs leased by this worker and not settled yet */
  private held = 0;
  private readonly conversations: Conversations;
  private readonly settler: Settler;

  constructor(private readonly options: WorkerOptions) {
    this.now = options.now ?? Date.now;
    this.conversations = new Conversations(options.store, options.logger, options.conversations);
    const { store, policy, logger, metrics } = options;
    this.settler = new Settler({ store, pacer: this.pacer, policy, logger, metrics, now: this.now });
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  /**
   * Looks for work now. Ingest names the lanes it stored due jobs for: a lane already sending looks
   * again when its send is settled, and a paced one when its wait ends, so a burst of webhooks
   * costs no look at the queue per request.
   */
  wake(lanes?: readonly string[]): void {
    if (!this.running || this.pendingWake) return;
    // a lane paced by this instance is woken by its timer when its wait ends
    if (lanes && lanes.every((lane) => this.busy.has(lane) || this.pacer.readyAt(lane) > this.now())) return;
    // many webhooks arrive in one turn of the event loop: look at the queue once for all of them
    this.pendingWake = new Promise((resolve) =>
      setImmediate(() => {
        this.pendingWake = null;
        this.tickNow();
        resolve();
      }),
    );
  }

  private tickNow(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.wakeAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      } else this.schedule();
    });
  }

  /** Stops leasing; waits up to `graceMs` for sends in flight, whose leases otherwise expire into a retry. */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const inFlight = Promise.all([this.ticking, ...this.busy.values()]);
    await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }

  /** How many jobs this worker holds leased right now (reported with the instance's heartbeat). */
  leasesHeld(): number {
    return this.held;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Renews the jobs' lease every third of its length while `work` runs (a send of any length). */
  private async whileLeased<T>(jobs: Job[], work: () => Promise<T>): Promise<T> {
    const renew = () => {
      const now = this.now();
      this.options.store.jobs.renew(jobs, now, now + this.leaseMs).then(
        (held) => held || this.options.logger.warn({ jobs: jobs.map((job) => job.id) }, 'a lease ran out during a send; another instance may send these too'),
        (error: unknown) => this.options.logger.warn({ err: error }, 'cannot renew a lease; another instance may take the jobs over'),
      );
    };
    const timer = setInterval(renew, Math.max(1, Math.floor(this.leaseMs / 3)));
    timer.unref();
    this.held += jobs.length;
    try {
      return await work();
    } finally {
      clearInterval(timer);
      this.held -= jobs.length;
    }
  }

  /** Resolves once no lane is sending (for tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.pendingWake || this.ticking || this.busy.size > 0) {
      await Promise.all([this.pendingWake, this.ticking, ...this.busy.values()]);
    }
  }

  /** Sleeps until the next poll, or until a lane that is waiting on its pace may send. */
  private schedule(): void {
    if (!this.running) return;
    const now = this.now();
    const next = Math.min(now + (this.options.pollMs ?? 250), this.nextPacedAt);
    this.timer = setTimeout(() => this.wake(), Math.max(1, next - now));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    // one instant for the queue's answer and for the next wake-up: a lane the queue still held at
    // `now` must count as waiting, though the clock may have passed its pause since (a timer fires
    // up to a millisecond early) — else nothing wakes the worker for it before the next poll
    const now = this.now();
    let lanes: DueLane[];
    try {
      lanes = await this.options.store.jobs.dueLanes(now);
    } catch (error) {
      this.options.logger.error({ err: error }, 'cannot read the queue; will try again');
      return;
    }
    // stop() may have come while the queue was read: lease nothing more
    if (!this.running) return;
    const limit = this.options.maxConcurrentLanes ?? 64;
    // dueLanes leaves out lanes paused in the queue: wake when the first pause this instance set ends
    this.nextPacedAt = this.pacer.nextReadyAt(now);
    for (const { lane, due } of lanes) {
      if (this.busy.size >= limit) break;
      if (this.busy.has(lane) || this.pacer.readyAt(lane) > this.now()) continue;
      const run = this.runLane(lane, due)
        .catch((error: unknown) => this.options.logger.error({ err: error, lane }, 'delivery failed unexpectedly'))
        .finally(() => {
          this.busy.delete(lane);
          this.wake();
        });
      this.busy.set(lane, run);
    }
  }

  /** lease → render → send → settle, for one platform message of one lane */
  private async runLane(lane: string, due: number): Promise<void> {
    const { store } = this.options;
    const leased = await this.setAsidePoison(await store.jobs.lease(lane, this.now(), this.batchSize(lane, due), this.leaseMs));
    if (leased.length === 0) return;
    const sink = this.options.sinks.get(leased[0]!.sink);
    if (sink && this.options.isReady && !this.options.isReady(sink.name)) {
      await this.settler.holdLane(lane, this.pacer.pause(lane, this.now() + NOT_READY_RECHECK_MS));
      await store.jobs.release(leased, this.now() + NOT_READY_RECHECK_MS);
      return;
    }
    if (!sink) {
      for (const job of leased) await store.jobs.deadLetter(job, `sink "${job.sink}" is no longer configured`, this.now());
      return;
    }
    if (this.settler.suspects.has(sink.name) && !(await this.recheck(sink, lane, leased))) return;
    // a lane shared by two sinks (same destination configured twice): one sink per message
    const mine = leased.filter((job) => job.sink === sink.name);
    if (mine.length < leased.length) await store.jobs.release(leased.filter((job) => job.sink !== sink.name), this.now());
    // replies find their parent's thread, edits the message they replace; some wait for it
    const talk = await this.conversations.prepare(sink, mine, this.now());
    if (!talk) return;
    const { jobs, messages, broken } = renderLease(talk.jobs, sink.platform, this.options.render, this.options.renderSummary);
    for (const { job, reason } of broken) await this.settler.bury(sink, [job], reason);
    if (jobs.length === 0) return;
    const card = this.options.cardActions?.(sink, jobs);
    const delivery: Delivery = { key: deliveryKey(jobs), messages, ...talk.fields, ...card };
    this.pacer.sent(lane, this.now());
    const verdict = await this.whileLeased(jobs, () => send(sink, delivery));
    await this.conversations.delivered(sink, jobs, verdict, this.now());
    await this.settler.settle(sink, lane, jobs, verdict);
  }

  private batchSize(lane: string, due: number): number {
    const threshold = this.options.digestThreshold ?? 5;
    if (threshold <= 0 || due < threshold || !this.pacer.mayCombine(lane, this.now())) return 1;
    const sink = [...this.options.sinks.values()].find((candidate) => candidate.lane === lane);
    if (!sink || this.options.noDigest?.has(sink.name)) return 1;
    return sink.maxBatch;
  }

  /**
   * A job whose sends keep being cut off (a process that dies or hangs on it) goes to the dead letters,
   * so that it blocks neither its lane nor the next start; the rest of the lease goes on.
   */
  private async setAsidePoison(leased: Job[]): Promise<Job[]> {
    const { store, policy, logger } = this.options;
    const poisoned = leased.filter((job) => job.lapses >= policy.maxCrashes);
    for (const job of poisoned) {
      const reason = `its send was cut off ${job.lapses} times (the bridge stopped or hung while sending it): set aside`;
      await store.jobs.deadLetter(job, reason, this.now());
      logger.error({ sink: job.sink, job: job.id, lapses: job.lapses }, 'a job kept cutting its sends off; moved to the dead-letter list');
    }
    return poisoned.length === 0 ? leased : leased.filter((job) => !poisoned.includes(job));
  }

  /** Runs the start-up check of a sink that looked broken: true once it passes, else the jobs wait longer. */
  private async recheck(sink: Sink, lane: string, leased: Job[]): Promise<boolean> {
    const failedChecks = this.settler.suspects.get(sink.name) ?? 0;
    const log = this.options.logger.child({ sink: sink.name, lane });
    try {
      await sink.start();
    } catch (error) {
      const wait = await this.settler.suspect(sink, lane, failedChecks + 1);
      await this.options.store.jobs.release(leased, this.now() + wait);
      log.warn({ reason: error instanceof Error ? error.message : String(error), checkAgainInMs: wait }, 'sink still looks broken; its messages wait');
      return false;
    }
    this.settler.suspects.delete(sink.name);
    log.info('sink passed its check again; sending resumes');
    return true;
  }

}

/** A sink that throws breaks its own contract; treat it as a transient failure, never crash. */
async function send(sink: Sink, delivery: Delivery): Promise<Verdict> {
  try {
    return await sink.send(delivery);
  } catch (error) {
    // anything may be thrown: reading `.message` of null would throw again and strand the lease
    return { kind: 'retry', reason: `sink error: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Stable for the same set of jobs, so a retried message keeps its platform idempotency key. */
export function deliveryKey(jobs: Job[]): string {
  if (jobs.length === 1) return jobs[0]!.id;
  return createHash('sha256')
    .update(jobs.map((job) => job.id).join('\n'))
    .digest('base64url');
}
