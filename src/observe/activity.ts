import { eventActor, eventNote } from '../normalize/event';
import { subjectOf } from '../store/messages';
import type { Job } from '../store/jobs';

/**
 * What this process saw happen, kept in memory for the operations page: per-minute counts of
 * accepted and delivered messages per sink, the last event per source, and the last attempts of
 * each delivery. Fed where the metrics are counted; lost on restart, like the process's counters.
 */

/** Minutes of per-minute counts kept (the sparklines' width). */
export const ACTIVITY_MINUTES = 30;
/** Attempts remembered, newest kept. */
const ATTEMPTS_KEPT = 5000;

export type AttemptOutcome = 'delivered' | 'retry' | 'rate_limited' | 'failed';

/** One send of one job, as the worker settled it. */
export interface AttemptRecord {
  at: number;
  jobId: string;
  eventId: string;
  source: string;
  sink: string;
  event: string;
  route: string;
  outcome: AttemptOutcome;
  /** the platform's or the bridge's words, for anything but delivered */
  reason?: string;
  /** the note the event is about, and who acted: to find the attempts of an event later */
  noteId?: string;
  actor?: string;
  /** what the message stands for in the message map (subjectOf), if anything */
  subject?: string;
}

/** One record per job of a settled send. */
export function attemptRecords(jobs: readonly Job[], outcome: AttemptOutcome, reason: string | undefined, at: number): AttemptRecord[] {
  return jobs.map((job) => ({
    at,
    jobId: job.id,
    eventId: job.eventId,
    source: job.source,
    sink: job.sink,
    event: job.event,
    route: job.route,
    outcome,
    ...(reason === undefined ? {} : { reason }),
    ...(eventNote(job.payload) ? { noteId: eventNote(job.payload)!.id } : {}),
    ...(eventActor(job.payload) ? { actor: eventActor(job.payload)!.acct } : {}),
    ...(subjectOf(job) ? { subject: subjectOf(job)! } : {}),
  }));
}

export interface SourceActivity {
  lastEventAt: number | null;
  /** stored events in the last minute */
  perMinute: number;
  unrouted: number;
}

/** Counts per minute, the last ACTIVITY_MINUTES of them. */
class MinuteCounts {
  private readonly counts = new Map<number, number>();

  add(at: number, count: number): void {
    const minute = Math.floor(at / 60_000);
    this.counts.set(minute, (this.counts.get(minute) ?? 0) + count);
    for (const key of this.counts.keys()) if (key <= minute - ACTIVITY_MINUTES) this.counts.delete(key);
  }

  /** oldest first, the current minute last */
  series(now: number): number[] {
    const minute = Math.floor(now / 60_000);
    return Array.from({ length: ACTIVITY_MINUTES }, (_, i) => this.counts.get(minute - ACTIVITY_MINUTES + 1 + i) ?? 0);
  }
}

export class Activity {
  private readonly accepted = new Map<string, MinuteCounts>();
  private readonly delivered = new Map<string, MinuteCounts>();
  private readonly received = new Map<string, { lastAt: number; counts: MinuteCounts; unrouted: number }>();
  private readonly attempts: AttemptRecord[] = [];

  private counts(map: Map<string, MinuteCounts>, key: string): MinuteCounts {
    let counts = map.get(key);
    if (!counts) map.set(key, (counts = new MinuteCounts()));
    return counts;
  }

  private source(name: string) {
    let entry = this.received.get(name);
    if (!entry) this.received.set(name, (entry = { lastAt: 0, counts: new MinuteCounts(), unrouted: 0 }));
    return entry;
  }

  /** an event stored, with a job for each of these sinks */
  eventStored(source: string, sinks: readonly string[], at: number): void {
    const entry = this.source(source);
    entry.lastAt = at;
    entry.counts.add(at, 1);
    for (const sink of sinks) this.counts(this.accepted, sink).add(at, 1);
  }

  eventUnrouted(source: string): void {
    this.source(source).unrouted += 1;
  }

  /** the worker settled a send of these jobs */
  settled(records: AttemptRecord[]): void {
    for (const record of records) {
      if (record.outcome === 'delivered') this.counts(this.delivered, record.sink).add(record.at, 1);
      this.attempts.push(record);
    }
    // trimmed by the thousand: not a shift of the whole list per send
    if (this.attempts.length >= ATTEMPTS_KEPT + 1000) this.attempts.splice(0, this.attempts.length - ATTEMPTS_KEPT);
  }

  sourceActivity(source: string, now: number): SourceActivity {
    const entry = this.received.get(source);
    if (!entry) return { lastEventAt: null, perMinute: 0, unrouted: 0 };
    return { lastEventAt: entry.lastAt, perMinute: entry.counts.series(now).at(-1)!, unrouted: entry.unrouted };
  }

  /** per-minute accepted and delivered counts of the sink, oldest first */
  sinkSeries(sink: string, now: number): { accepted: number[]; delivered: number[] } {
    return { accepted: this.counts(this.accepted, sink).series(now), delivered: this.counts(this.delivered, sink).series(now) };
  }

  /** the sink's newest attempt, if any */
  lastAttempt(sink: string): AttemptRecord | undefined {
    return this.attempts.findLast((attempt) => attempt.sink === sink);
  }

  /** the remembered attempts matching `test`, oldest first */
  findAttempts(test: (attempt: AttemptRecord) => boolean): AttemptRecord[] {
    return this.attempts.filter(test);
  }
}
