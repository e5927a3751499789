import type { Event } from '../normalize/event';
import type { Hold } from '../route/hold';
import type { MessageKey } from './messages';

/**
 * One planned delivery to one sink, created for a matching route. It carries the normalized event
 * and the template to word it with: the message is rendered when the job is sent, so a template
 * edited while the job waits applies to it.
 */
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
  /** the route's template name (the event type's own when the route names none) */
  template: string;
  /** the normalized event (never raw Misskey JSON) */
  payload: Event;
  /** set when the job waits for a summary (grouping, quiet hours): see Hold */
  hold?: Hold;
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
  /**
   * the lease group: jobs leased together stay together (through expired leases and
   * reschedules) until acked, dead-lettered or released, so a retried digest is the same
   * platform message with the same idempotency key
   */
  batch: string | null;
  /**
   * leases of this job that ran out without a verdict (the process sending it died or hung): a job
   * that keeps taking its worker down goes to the dead letters instead of being taken up for ever
   */
  lapses: number;
}

export interface DueLane {
  lane: string;
  /** due jobs waiting in the lane, counted up to DUE_COUNT_CAP */
  due: number;
}

/** dueLanes counts a lane's due jobs only this far: enough to decide on a digest. */
export const DUE_COUNT_CAP = 100;

/** A job as `jobs list` shows it: where it goes and how it fares, never its payload. */
export interface WaitingJob {
  id: string;
  sink: string;
  lane: string;
  event: string;
  createdAt: number;
  availableAt: number;
  attempts: number;
  lapses: number;
  /** a process holds it right now */
  leased: boolean;
}

export interface LaneStats {
  sink: string;
  lane: string;
  depth: number;
  /** createdAt of the oldest waiting job */
  oldestAt: number | null;
}

/**
 * The jobs between the HTTP answer and the platforms: stored with the event, leased one lane at a
 * time, settled by the worker (ack, reschedule, release, or moved to the dead letters).
 */
export interface JobStore {
  /**
   * Records the event as seen and stores its jobs, atomically. `duplicate` when this source
   * already delivered this eventId (nothing new is stored). Resolves only once durable.
   */
  accept(source: string, eventId: string, jobs: NewJob[], now: number): Promise<'stored' | 'duplicate'>;
  /**
   * lanes that have a job due at `now`, none leased, and no pause beyond `now`; jobs of paused
   * sinks are neither counted nor make a lane due
   */
  dueLanes(now: number): Promise<DueLane[]>;
  /**
   * Leases up to `max` due jobs of one lane, oldest first, as one group (`batch` = the first
   * job's id); a lease expires after `leaseMs`. When the oldest due job still belongs to a group,
   * exactly that group is leased again, whatever `max`; a new group stops short of a job that
   * belongs to another one. Nothing while the lane is paused beyond `now`. Jobs of paused sinks
   * are passed over, as if not due: in a lane two sinks share, the other sink's jobs still go.
   * A job whose last lease ran out unsettled comes back with `lapses` counted up.
   */
  lease(lane: string, now: number, max: number, leaseMs: number): Promise<Job[]>;
  /**
   * Extends the lease of jobs still leased at `now` to `leasedUntil` (the heartbeat of a send that
   * takes long). False when a lease had already run out: another instance may have them now.
   */
  renew(jobs: Job[], now: number, leasedUntil: number): Promise<boolean>;
  /**
   * No job of the lane is due before `until` (a platform's rate-limit window, a Retry-After, a
   * backoff), for every instance sharing the store. A pause is never shortened: a call with an
   * earlier `until` changes nothing. It ends by itself; the jobs themselves are not touched.
   */
  pauseLane(lane: string, until: number): Promise<void>;
  /**
   * gives leased jobs back, due at `availableAt`, without counting an attempt; ungroups them,
   * except that a held job goes back to its summary's group (Hold.group)
   */
  release(jobs: Job[], availableAt: number): Promise<void>;
  /** delivered: forget the jobs, all of them or none (a digest must never come back in part) */
  ack(jobs: Job[]): Promise<void>;
  /** try again at `availableAt`; counts an attempt and records the error; keeps the group */
  reschedule(job: Job, availableAt: number, error: string, now: number): Promise<void>;
  /** move to the dead-letter list; the letter keeps `batch`, the group the job failed in */
  deadLetter(job: Job, error: string, now: number): Promise<void>;
  stats(): Promise<LaneStats[]>;
  /** the waiting jobs (of one sink, or all), in the order they were stored, at most `limit` */
  waiting(now: number, limit: number, sink?: string): Promise<WaitingJob[]>;
  /** forgets waiting jobs by id, except those a process holds at `now`; returns how many (`jobs drop`) */
  drop(ids: string[], now: number): Promise<number>;
  /**
   * whether a job of the lane other than `exceptJobId` will still post the key's message (it waits,
   * is due or leased, or waits for a retry): not dead-lettered, not delivered
   */
  holdsMessage(lane: string, key: MessageKey, exceptJobId: string): Promise<boolean>;
  /** the holds of the held jobs still waiting, one per group: the summaries not yet sent */
  pendingHolds(): Promise<Hold[]>;
}
