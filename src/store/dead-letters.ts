import type { Job } from './jobs';

export interface DeadLetter extends Job {
  failedAt: number;
  error: string;
}

export type DeadLetterSelector = { ids: string[] } | { sink: string } | { all: true };

/** Jobs that failed for good (JobStore.deadLetter), kept until an operator replays or drops them. */
export interface DeadLetterStore {
  /** in the order they died */
  list(sink?: string): Promise<DeadLetter[]>;
  /** back to the queue, due now, out of any group (a summary's jobs then go one by one); returns how many */
  retry(selector: DeadLetterSelector, now: number): Promise<number>;
  drop(selector: DeadLetterSelector): Promise<number>;
}
