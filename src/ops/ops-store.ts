import type { DeadLetter } from '../store/dead-letters';
import type { Job, LaneStats } from '../store/jobs';
import type { Store } from '../store/store';
import type { SinkPause } from '../store/pauses';

// The page names the store's types and helpers only here and in its adapter.
export type { DeadLetter, Job, LaneStats, SinkPause };
export type { OperatorAction, LoggedAction } from '../store/audit';
export { subjectOf } from '../store/messages';
export { isInstanceAlive, processAlive } from '../store/instances';


/** A lane no instance may send in before `until` (a rate-limit window, a backoff, a broken sink's recheck). */
export interface LanePause {
  lane: string;
  until: number;
}

/**
 * Everything the operations page reads and writes in the store, and nothing else: the store's own
 * concerns, and the waiting jobs and lane pauses its snapshot lists (store-adapter.ts).
 */
export interface OpsStore extends Pick<Store, 'jobs' | 'pauses' | 'deadLetters' | 'messages' | 'instances' | 'audit'> {
  /** the jobs waiting (due, leased, held or backing off), with their attempts so far */
  waitingJobs(now: number): Promise<Job[]>;
  lanePauses(now: number): Promise<LanePause[]>;
}
