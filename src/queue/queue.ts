import type { Message } from '../render/message';

/** One message for one sink, created for a matching route. */
export interface NewJob {
  /** unique per source × eventId × route × sink */
  id: string;
  source: string;
  eventId: string;
  /** event name (type, or unknown type's own name) */
  event: string;
  route: string;
  sink: string;
  /** the sink's destination key: jobs of one lane are sent in order */
  lane: string;
  message: Message;
}

export interface Attempt {
  at: number;
  error: string;
}

export interface Job extends NewJob {
  /** failed attempts so far */
  attempts: number;
  createdAt: number;
  availableAt: number;
  history: Attempt[];
}

export interface DeadLetter extends Job {
  failedAt: number;
  error: string;
}

export interface LaneStats {
  sink: string;
  lane: string;
  depth: number;
  /** createdAt of the oldest waiting job */
  oldestAt: number | null;
}

export type DeadLetterSelector = { ids: string[] } | { sink: string } | { all: true };

/**
 * The durable store between the HTTP answer and the platforms. Implementations: memory (tests),
 * SQLite (the embedded default) and Redis (several instances).
 */
export interface Queue {
  /**
   * Records the event as seen and stores its jobs, atomically. `duplicate` when this source
   * already delivered this eventId (nothing new is stored). Resolves only once durable.
   */
  accept(source: string, eventId: string, jobs: NewJob[], now: number): Promise<'stored' | 'duplicate'>;
  /** lanes that have a job due at `now` and not leased */
  dueLanes(now: number): Promise<string[]>;
  /** leases up to `max` due jobs of one lane, oldest first; a lease expires after `leaseMs` */
  lease(lane: string, now: number, max: number, leaseMs: number): Promise<Job[]>;
  /** delivered: forget the job */
  ack(job: Job): Promise<void>;
  /** try again at `availableAt`; counts an attempt and records the error */
  reschedule(job: Job, availableAt: number, error: string, now: number): Promise<void>;
  /** move to the dead-letter list */
  deadLetter(job: Job, error: string, now: number): Promise<void>;
  deadLetters(sink?: string): Promise<DeadLetter[]>;
  /** move dead letters back to the queue, due now; returns how many */
  retryDead(selector: DeadLetterSelector, now: number): Promise<number>;
  dropDead(selector: DeadLetterSelector): Promise<number>;
  stats(): Promise<LaneStats[]>;
  /** throws when the store cannot take writes */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store could not take the write: the receiver answers 503 so Misskey retries. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
