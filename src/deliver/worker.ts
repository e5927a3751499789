import { createHash } from 'node:crypto';
import type { RetryPolicy } from '../config';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import type { DueLane, Job } from '../store/jobs';
import type { Store } from '../store/store';
import type { Delivery, Sink, Verdict } from './sink';
import { dueSince, isExhausted, retryAt } from './backoff';
import { Conversations, type ConversationOptions } from './conversation';
import { LanePacer } from './lane-pacer';
import type { RenderJob } from './render-jobs';
import { isSummary, renderLease, type RenderSummary } from './summary';

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
/** A 429 without a usable wait: wait this long. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
/** Never re-send sooner than this after a rate limit (a `Retry-After: 0` would loop). */
const MIN_RATE_LIMIT_WAIT_MS = 25;
/** Jobs of a sink that has not started yet are looked at again after this pause. */
const NOT_READY_RECHECK_MS = 2_000;
/**
 * A sink that answered as broken (401, deleted webhook, missing room) is checked again (its
 * start-up check) after this pause, then after twice as long each time the check fails, up to
 * the maximum; its jobs wait meanwhile, and the lane resumes by itself once the check passes.
 */
const BROKEN_SINK_FIRST_RECHECK_MS = 1_000;
const BROKEN_SINK_MAX_RECHECK_MS = 5 * 60_000;

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
  /** sinks that answered as broken, by name: how many of their checks failed since */
  private readonly suspects = new Map<string, number>();
  /** jobs leased by this worker and not settled yet */
  private held = 0;
  private readonly conversations: Conversations;

  constructor(private readonly options: WorkerOptions) {
    this.now = options.now ?? Date.now;
    this.conversations = new Conversations(options.store, options.logger, options.conversations);
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
    const leased = await store.jobs.lease(lane, this.now(), this.batchSize(lane, due), this.leaseMs);
    if (leased.length === 0) return;
    const sink = this.options.sinks.get(leased[0]!.sink);
    if (sink && this.options.isReady && !this.options.isReady(sink.name)) {
      await this.holdLane(lane, this.pacer.pause(lane, this.now() + NOT_READY_RECHECK_MS));
      await store.jobs.release(leased, this.now() + NOT_READY_RECHECK_MS);
      return;
    }
    if (!sink) {
      for (const job of leased) await store.jobs.deadLetter(job, `sink "${job.sink}" is no longer configured`, this.now());
      return;
    }
    if (this.suspects.has(sink.name) && !(await this.recheck(sink, lane, leased))) return;
    // a lane shared by two sinks (same destination configured twice): one sink per message
    const mine = leased.filter((job) => job.sink === sink.name);
    if (mine.length < leased.length) await store.jobs.release(leased.filter((job) => job.sink !== sink.name), this.now());
    // replies find their parent's thread, edits the message they replace; some wait for it
    const talk = await this.conversations.prepare(sink, mine, this.now());
    if (!talk) return;
    const { jobs, messages, broken } = renderLease(talk.jobs, sink.platform, this.options.render, this.options.renderSummary);
    for (const { job, reason } of broken) await this.bury(sink, [job], reason);
    if (jobs.length === 0) return;
    const card = this.options.cardActions?.(sink, jobs);
    const delivery: Delivery = { key: deliveryKey(jobs), messages, ...talk.fields, ...card };
    this.pacer.sent(lane, this.now());
    const verdict = await this.whileLeased(jobs, () => send(sink, delivery));
    await this.conversations.delivered(sink, jobs, verdict, this.now());
    await this.settle(sink, lane, jobs, verdict);
  }

  private batchSize(lane: string, due: number): number {
    const threshold = this.options.digestThreshold ?? 5;
    if (threshold <= 0 || due < threshold || !this.pacer.mayCombine(lane, this.now())) return 1;
    const sink = [...this.options.sinks.values()].find((candidate) => candidate.lane === lane);
    if (!sink || this.options.noDigest?.has(sink.name)) return 1;
    return sink.maxBatch;
  }

  /**
   * Settles the jobs by the verdict. A wait the pacer decides on is recorded in the queue first
   * (holdLane), while the jobs are still leased, so that no other instance takes the lane in between.
   */
  private async settle(sink: Sink, lane: string, jobs: Job[], verdict: Verdict): Promise<void> {
    const { store, metrics, logger, policy } = this.options;
    const now = this.now();
    const log = logger.child({ sink: sink.name, lane, jobs: jobs.map((job) => job.id) });
    switch (verdict.kind) {
      case 'delivered': {
        await this.holdLane(lane, this.pacer.delivered(lane, now, verdict.pace));
        await store.jobs.ack(jobs);
        for (const job of jobs) metrics?.deliveryLatency.observe({ sink: sink.name }, (now - job.createdAt) / 1000);
        metrics?.deliveries.inc({ sink: sink.name, outcome: 'delivered' }, jobs.length);
        log.debug({ ref: verdict.ref }, 'delivered');
        return;
      }
      case 'retry': {
        const first = jobs[0]!;
        // a platform limit (a 429, or the client's own bucket running dry) is a wait, not a failure
        if (verdict.rateLimited || verdict.pace) {
          if (now - dueSince(first) >= policy.maxAge) {
            await this.bury(sink, jobs, `gave up after waiting ${Math.round((now - dueSince(first)) / 1000)} s: ${verdict.reason}`);
            return;
          }
          // whole milliseconds: the lane's pause in the store and the jobs' due time must be the same
          // instant, or an instance taking over in between sends a later job first
          const wait = Math.ceil(Math.max(verdict.afterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS, MIN_RATE_LIMIT_WAIT_MS));
          let readyAt: number;
          if (verdict.rateLimited) {
            metrics?.rateLimited.inc({ sink: sink.name });
            metrics?.deliveries.inc({ sink: sink.name, outcome: 'rate_limited' }, jobs.length);
            readyAt = this.pacer.rateLimited(lane, now, wait);
            log.info({ waitMs: wait, reason: verdict.reason }, 'rate limited; waiting');
          } else readyAt = this.pacer.pause(lane, now + wait);
          await this.holdLane(lane, readyAt);
          await store.jobs.release(jobs, now + wait);
          return;
        }
        metrics?.deliveries.inc({ sink: sink.name, outcome: 'retry' }, jobs.length);
        if (isExhausted(policy, first, now)) {
          await this.bury(sink, jobs, `gave up after ${first.attempts + 1} attempts: ${verdict.reason}`);
          return;
        }
        const at = Math.ceil(retryAt(policy, first.attempts + 1, now, verdict.afterMs));
        await this.holdLane(lane, this.pacer.pause(lane, at));
        for (const job of jobs) await store.jobs.reschedule(job, at, verdict.reason, now);
        log.warn({ reason: verdict.reason, attempt: first.attempts + 1, retryInMs: at - now }, 'send failed; will retry');
        return;
      }
      case 'failed': {
        metrics?.deliveries.inc({ sink: sink.name, outcome: 'failed' }, jobs.length);
        // a summary is one message: refused, it goes to the dead-letter list whole (retried, its jobs go one by one)
        if (jobs.length > 1 && !verdict.sinkBroken && !isSummary(jobs)) {
          // one message of the digest may be at fault: send them one by one
          this.pacer.digestRefused(lane, now);
          await store.jobs.release(jobs, now);
          log.warn({ reason: verdict.reason }, 'digest refused; sending its messages one by one');
          return;
        }
        if (verdict.sinkBroken) await this.suspect(sink, lane, 0);
        await this.bury(sink, jobs, verdict.reason);
        return;
      }
    }
  }

  /** Holds the lane of a sink that looks broken until its next check is due. */
  private async suspect(sink: Sink, lane: string, failedChecks: number): Promise<number> {
    this.suspects.set(sink.name, failedChecks);
    const wait = Math.min(BROKEN_SINK_FIRST_RECHECK_MS * 2 ** failedChecks, BROKEN_SINK_MAX_RECHECK_MS);
    await this.holdLane(lane, this.pacer.pause(lane, this.now() + wait));
    return wait;
  }

  /** Runs the start-up check of a sink that looked broken: true once it passes, else the jobs wait longer. */
  private async recheck(sink: Sink, lane: string, leased: Job[]): Promise<boolean> {
    const failedChecks = this.suspects.get(sink.name) ?? 0;
    const log = this.options.logger.child({ sink: sink.name, lane });
    try {
      await sink.start();
    } catch (error) {
      const wait = await this.suspect(sink, lane, failedChecks + 1);
      await this.options.store.jobs.release(leased, this.now() + wait);
      log.warn({ reason: error instanceof Error ? error.message : String(error), checkAgainInMs: wait }, 'sink still looks broken; its messages wait');
      return false;
    }
    this.suspects.delete(sink.name);
    log.info('sink passed its check again; sending resumes');
    return true;
  }

  /** Records in the queue that no instance may send in the lane before `readyAt`, if that is still ahead. */
  private async holdLane(lane: string, readyAt: number): Promise<void> {
    if (readyAt <= this.now()) return;
    try {
      // floor: the store must not hold the lane past the moment this worker wakes for it
      await this.options.store.jobs.pauseLane(lane, Math.floor(readyAt));
    } catch (error) {
      // this instance's pacer holds the lane all the same; settling the jobs matters more
      this.options.logger.warn({ err: error, lane }, 'cannot record the lane pause in the queue; other instances may send early');
    }
  }

  private async bury(sink: Sink, jobs: Job[], reason: string): Promise<void> {
    for (const job of jobs) await this.options.store.jobs.deadLetter(job, reason, this.now());
    this.options.metrics?.deadLetters.inc({ sink: sink.name }, jobs.length);
    this.options.logger.error({ sink: sink.name, jobs: jobs.map((job) => job.id), reason }, 'delivery failed for good; moved to the dead-letter list');
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
