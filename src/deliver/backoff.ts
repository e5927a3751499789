import type { RetryPolicy } from './policy';
import type { Job } from '../store/jobs';

/**
 * When to try a job again after its `attempts`-th failure: exponential backoff with jitter,
 * never earlier than the platform asked for (Retry-After wins over the computed wait).
 */
export function retryAt(policy: RetryPolicy, attempts: number, now: number, platformDelayMs = 0, random = Math.random): number {
  const base = Math.min(policy.maxBackoff, policy.initialBackoff * policy.factor ** Math.max(0, attempts - 1));
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  return now + Math.max(Math.round(jittered), platformDelayMs);
}

/** The policy's last attempt is spent, or the job is older than it allows. */
export function isExhausted(policy: RetryPolicy, job: Pick<Job, 'attempts' | 'createdAt' | 'hold'>, now: number): boolean {
  return job.attempts + 1 >= policy.maxAttempts || now - dueSince(job) >= policy.maxAge;
}

/** Since when a job has been trying to go out: a job held for a summary, since the summary was due. */
export function dueSince(job: Pick<Job, 'createdAt' | 'hold'>): number {
  return Math.max(job.createdAt, job.hold?.until ?? job.createdAt);
}
