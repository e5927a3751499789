import type { Event } from '../normalize/event';
import type { MessageRef } from '../sinks/sink';
import type { AuditEntry } from './audit';
import type { MessageKey } from './message-map';

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

/**
 * A job stored held: due at `until`, already in the lease group `group`, so that every job of one
 * summary becomes due at the same instant and is leased, retried and settled together as one
 * message. The group survives `release` (rate-limit waits), so a summary is never split.
 */
export interface Hold {
  /** when the summary is due */
  until: number;
  /** the lease group (Job.batch) the job starts in */
  group: string;
  /** why it waits: a group's summary, or the end of quiet hours */
  kind?: 'group' | 'quiet';
  /** what the summary groups (the planner's group key), so that a restart can pick it up again */
  key?: string;
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
}

export interface DueLane {
  lane: string;
  /** due jobs waiting in the lane, counted up to DUE_COUNT_CAP */
  due: number;
}

/** dueLanes counts a lane's due jobs only this far: enough to decide on a digest. */
export const DUE_COUNT_CAP = 100;

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

/** A sink held by an operator (`sink pause`): its jobs wait, in order, until it is resumed. */
export interface SinkPause {
  sink: string;
  /** when the pause began (the first pause, when paused twice) */
  since: number;
  /** who paused it, when known */
  by?: string;
}

/** A bridge process sharing the store, as its last heartbeat told. */
export interface InstanceInfo {
  /** new for every process */
  id: string;
  host: string;
  pid: number;
  /** when the process started */
  since: number;
  /** jobs it held leased at its last heartbeat */
  leases: number;
  heartbeatAt: number;
}

/** An instance is taken for gone once its heartbeat is this old. */
export const INSTANCE_STALE_MS = 30_000;
/** Instances silent this long are no longer listed. */
export const INSTANCE_FORGET_MS = 24 * 60 * 60 * 1000;

/**
 * Whether an instance still runs: its heartbeat is recent and, when it ran on this host, its
 * process still exists (so a restart on the same host needs not wait for the heartbeat to age).
 */
export function isInstanceAlive(instance: InstanceInfo, now: number, host: string, pidAlive: (pid: number) => boolean): boolean {
  if (now - instance.heartbeatAt >= INSTANCE_STALE_MS) return false;
  return instance.host !== host || pidAlive(instance.pid);
}

/** Whether a process of this host with that pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is only not ours to signal
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
   */
  lease(lane: string, now: number, max: number, leaseMs: number): Promise<Job[]>;
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
  deadLetters(sink?: string): Promise<DeadLetter[]>;
  /** move dead letters back to the queue, due now, out of any group (a summary's jobs then go one by one); returns how many */
  retryDead(selector: DeadLetterSelector, now: number): Promise<number>;
  dropDead(selector: DeadLetterSelector): Promise<number>;
  stats(): Promise<LaneStats[]>;
  /** throws when the store cannot take writes */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Holds the sink's jobs, for every instance sharing the store, until resumeSink: they keep their
   * place and are counted by stats, but are neither due nor leased. A job already leased is
   * settled as usual. Pausing a paused sink keeps the first pause.
   */
  pauseSink(sink: string, now: number, by?: string): Promise<void>;
  /** ends the sink's pause (nothing when it is not paused) */
  resumeSink(sink: string): Promise<void>;
  /** the paused sinks, by name */
  pausedSinks(): Promise<SinkPause[]>;
  /**
   * Extends the lease of jobs still leased at `now` to `leasedUntil` (the heartbeat of a send that
   * takes long). False when a lease had already run out: another instance may have them now.
   */
  renew(jobs: Job[], now: number, leasedUntil: number): Promise<boolean>;
  /** records that this instance is alive (and forgets instances silent for a day) */
  heartbeat(instance: InstanceInfo): Promise<void>;
  /** every instance recorded, the most recent heartbeat first */
  instances(): Promise<InstanceInfo[]>;
  /** a clean shutdown: the instance is gone */
  forgetInstance(id: string): Promise<void>;
  /**
   * The last events accepted with at least one job, newest first, at most `limit` (up to
   * RECENT_EVENTS): recorded in the same write as accept, for the template playground. A store that
   * commits a burst of accepts at once may keep only the newest event of each type of the burst.
   */
  recentEvents(limit: number): Promise<Event[]>;

  // The message map (message-map.ts): platform messages by note or report, per sink.
  /** remembers the sink's message for the key until `now + keepMs` (a later record replaces it) */
  recordMessage(key: MessageKey, ref: MessageRef, now: number, keepMs: number): Promise<void>;
  /** the message recorded for the key, unless it expired before `now` */
  findMessage(key: MessageKey, now: number): Promise<MessageRef | null>;
  /**
   * whether a job of the lane other than `exceptJobId` will still post the key's message (it waits,
   * is due or leased, or waits for a retry): not dead-lettered, not delivered
   */
  holdsMessage(lane: string, key: MessageKey, exceptJobId: string): Promise<boolean>;
  /** forgets the entries expired before `now`; returns how many */
  pruneMessages(now: number): Promise<number>;
  /** the holds of the held jobs still waiting, one per group: the summaries not yet sent */
  pendingHolds(): Promise<Hold[]>;

  // Moving to another store (`migrate`): the durable state read out of one store, written into another.
  /**
   * The store's durable state, in pages of at most `pageSize` records of one kind, in this order:
   * sink pauses, lane pauses in force at `now`, message map entries and seen events not expired at
   * `now`, dead letters in the order they died, then waiting jobs (each lane's in FIFO order, leased
   * ones as they would be once their lease ends, their group kept). Each page is read at once; the
   * whole is a picture of one moment only while nothing else writes to the store.
   */
  snapshot(now: number, pageSize: number): AsyncIterable<StoreRecord[]>;
  /**
   * Writes the records the store lacks, in order, and skips the others; for each record, whether it
   * was written. A job is appended behind its lane's waiting jobs, not leased, unless the store holds
   * a job or a dead letter of that id (so is a dead letter); a seen event, a message entry or a sink
   * pause unless the store has one for its key; a lane pause extends a shorter one. Seen events and
   * message entries expire as they would have in the store they came from.
   */
  restore(records: StoreRecord[], now: number): Promise<boolean[]>;

  // Moderation from chat (src/interact): the audit log and a guard against doing an action twice.
  /** appends an entry to the audit log (the oldest beyond AUDIT_KEEP are dropped) */
  audit(entry: AuditEntry): Promise<void>;
  /** the last `limit` entries, newest first */
  auditLog(limit: number): Promise<AuditEntry[]>;
  /**
   * Takes `key` until `now + ttlMs`, for every instance sharing the store: true when this call took
   * it, false when it is held and has not expired (a replayed interaction, an action in progress).
   */
  claim(key: string, now: number, ttlMs: number): Promise<boolean>;
  /** gives a claim back, so that a failed action may be tried again */
  unclaim(key: string): Promise<void>;
}

/** One entry of a store's durable state (Queue.snapshot, Queue.restore). */
export type StoreRecord =
  | { kind: 'sink-pause'; pause: SinkPause }
  | { kind: 'lane-pause'; lane: string; until: number }
  | { kind: 'message'; key: MessageKey; ref: MessageRef; expiresAt: number }
  | { kind: 'seen'; source: string; eventId: string; seenAt: number }
  | { kind: 'dead'; letter: DeadLetter }
  | { kind: 'job'; job: Job };

export type StoreRecordKind = StoreRecord['kind'];

/** The kinds in the order snapshot gives them: holds first, so that no copied job goes out before its pause. */
export const STORE_RECORD_KINDS: readonly StoreRecordKind[] = ['sink-pause', 'lane-pause', 'message', 'seen', 'dead', 'job'];

/** How many accepted events the store keeps for recentEvents. */
export const RECENT_EVENTS = 50;

/** The store could not take the write: the receiver answers 503 so Misskey retries. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
