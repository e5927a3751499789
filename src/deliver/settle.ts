import type { RetryPolicy } from './policy';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import type { Job } from '../store/jobs';
import type { Store } from '../store/store';
import { dueSince, isExhausted, retryAt } from './backoff';
import type { LanePacer } from './lane-pacer';
import type { Sink, Verdict } from './sink';
import { isSummary } from './summary';

/** A 429 without a usable wait: wait this long. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
/** Never re-send sooner than this after a rate limit (a `Retry-After: 0` would loop). */
const MIN_RATE_LIMIT_WAIT_MS = 25;
/**
 * A sink that answered as broken (401, deleted webhook, missing room) is checked again (its
 * start-up check) after this pause, then after twice as long each time the check fails, up to
 * the maximum; its jobs wait meanwhile, and the lane resumes by itself once the check passes.
 */
const BROKEN_SINK_FIRST_RECHECK_MS = 1_000;
const BROKEN_SINK_MAX_RECHECK_MS = 5 * 60_000;

export interface SettleDeps {
  store: Pick<Store, 'jobs'>;
  pacer: LanePacer;
  policy: RetryPolicy;
  logger: Logger;
  metrics?: Metrics;
  now: () => number;
}

/** The settle step of the worker: what the store does with leased jobs, by the verdict of their send. */
export class Settler {
  /** sinks that answered as broken, with how many of their checks failed since */
  readonly suspects = new Map<string, number>();

  constructor(private readonly deps: SettleDeps) {}

  private get pacer(): LanePacer {
    return this.deps.pacer;
  }

  private now(): number {
    return this.deps.now();
  }

  /**
   * Settles the jobs by the verdict. A wait the pacer decides on is recorded in the queue first
   * (holdLane), while the jobs are still leased, so that no other instance takes the lane in between.
   */
  async settle(sink: Sink, lane: string, jobs: Job[], verdict: Verdict): Promise<void> {
    const { store, metrics, logger, policy } = this.deps;
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
  async suspect(sink: Sink, lane: string, failedChecks: number): Promise<number> {
    this.suspects.set(sink.name, failedChecks);
    const wait = Math.min(BROKEN_SINK_FIRST_RECHECK_MS * 2 ** failedChecks, BROKEN_SINK_MAX_RECHECK_MS);
    await this.holdLane(lane, this.pacer.pause(lane, this.now() + wait));
    return wait;
  }

  /** Records in the queue that no instance may send in the lane before `readyAt`, if that is still ahead. */
  async holdLane(lane: string, readyAt: number): Promise<void> {
    if (readyAt <= this.now()) return;
    try {
      // floor: the store must not hold the lane past the moment this worker wakes for it
      await this.deps.store.jobs.pauseLane(lane, Math.floor(readyAt));
    } catch (error) {
      // this instance's pacer holds the lane all the same; settling the jobs matters more
      this.deps.logger.warn({ err: error, lane }, 'cannot record the lane pause in the queue; other instances may send early');
    }
  }

  async bury(sink: Sink, jobs: Job[], reason: string): Promise<void> {
    for (const job of jobs) await this.deps.store.jobs.deadLetter(job, reason, this.now());
    this.deps.metrics?.deadLetters.inc({ sink: sink.name }, jobs.length);
    this.deps.logger.error({ sink: sink.name, jobs: jobs.map((job) => job.id), reason }, 'delivery failed for good; moved to the dead-letter list');
  }
}
