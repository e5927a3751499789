import type { AuditEntry } from '../queue/audit';
import type { MessageKey } from '../queue/message-map';
import type { DeadLetter, DeadLetterSelector, Hold, InstanceInfo, Job, LaneStats, SinkPause } from '../queue/queue';
import type { MessageRef } from '../sinks/sink';

// The page names the store's types and helpers only here and in its adapter: when the store's
// modules move, these lines and the adapter are what changes.
export type { DeadLetter, Job, LaneStats, SinkPause };
export { subjectOf } from '../queue/message-map';
export { isInstanceAlive, processAlive } from '../queue/queue';

/** What an operator did on the operations page, as the audit log keeps it. */
export interface OperatorAction {
  at: number;
  platform: 'ops';
  action: 'sink-pause' | 'sink-resume' | 'dlq-replay' | 'dlq-discard';
  /** who: the page has one token, so this is the address the request came from */
  actor: string;
  /** the sink paused or resumed, or the dead letters' sinks */
  sink: string;
  /** the dead letters acted on, by id */
  ids?: string[];
  outcome: 'done' | 'failed';
  /** what the action answered, in the words the CLI prints */
  detail: string;
}

export type OpsAuditEntry = AuditEntry | OperatorAction;

/** A lane no instance may send in before `until` (a rate-limit window, a backoff, a broken sink's recheck). */
export interface LanePause {
  lane: string;
  until: number;
}

/**
 * Everything the operations page reads and writes in the store, and nothing else: the page has no
 * other way into the data. One adapter builds it from the store (queue-adapter.ts).
 */
export interface OpsStore {
  stats(): Promise<LaneStats[]>;
  /** the jobs waiting (due, leased, held or backing off), with their attempts so far */
  waitingJobs(now: number): Promise<Job[]>;
  lanePauses(now: number): Promise<LanePause[]>;
  pendingHolds(): Promise<Hold[]>;
  pausedSinks(): Promise<SinkPause[]>;
  pauseSink(sink: string, now: number, by?: string): Promise<void>;
  resumeSink(sink: string): Promise<void>;
  deadLetters(sink?: string): Promise<DeadLetter[]>;
  retryDead(selector: DeadLetterSelector, now: number): Promise<number>;
  dropDead(selector: DeadLetterSelector): Promise<number>;
  findMessage(key: MessageKey, now: number): Promise<MessageRef | null>;
  instances(): Promise<InstanceInfo[]>;
  auditLog(limit: number): Promise<OpsAuditEntry[]>;
  recordAction(action: OperatorAction): Promise<void>;
}
