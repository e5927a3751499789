import {
  DUE_COUNT_CAP,
  INSTANCE_FORGET_MS,
  RECENT_EVENTS,
  StoreUnavailableError,
  type DeadLetter,
  type DueLane,
  type DeadLetterSelector,
  type Hold,
  type Job,
  type LaneStats,
  type NewJob,
  type Queue,
  type InstanceInfo,
  type SinkPause,
  type StoreRecord,
} from './queue';
import type { Event } from '../normalize/event';
import { subjectOf, type MessageKey, type StoredMessage } from './message-map';
import { AUDIT_KEEP, type AuditEntry } from './audit';
import type { MessageRef } from '../sinks/sink';

const SEEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

interface Entry {
  job: Job;
  leasedUntil: number | null;
}

/** a JSON round trip, as the durable stores do: callers never share objects with the queue */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** In-process queue with the same semantics as SqliteQueue; for tests. */
export class MemoryQueue implements Queue {
  /** JSON [source, eventId] → seenAt */
  private readonly seen = new Map<string, number>();
  /** insertion order is the FIFO order (SQLite's seq) */
  private readonly jobs = new Map<string, Entry>();
  private readonly dead = new Map<string, DeadLetter>();
  /** lane → the time its pause ends */
  private readonly pauses = new Map<string, number>();
  /** sink → its pause */
  private readonly sinkPauses = new Map<string, SinkPause>();
  private readonly instanceRecords = new Map<string, InstanceInfo>();
  private available = true;
  private lastPruneAt = -Infinity;

  /** simulates a store that cannot take writes: accept and ping throw StoreUnavailableError */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  async accept(source: string, eventId: string, jobs: NewJob[], now: number): Promise<'stored' | 'duplicate'> {
    this.assertAvailable();
    if (now - this.lastPruneAt >= PRUNE_EVERY_MS) {
      for (const [key, seenAt] of this.seen) if (seenAt < now - SEEN_TTL_MS) this.seen.delete(key);
      this.lastPruneAt = now;
    }
    const key = JSON.stringify([source, eventId]);
    if (this.seen.has(key)) return 'duplicate';
    this.seen.set(key, now);
    let first: Event | undefined;
    for (const { id, source, eventId, event, route, sink, lane, template, payload, hold } of jobs) {
      if (this.jobs.has(id)) continue;
      const fields = copy({ id, source, eventId, event, route, sink, lane, template, payload, ...(hold ? { hold } : {}) });
      // a held job waits for its summary, already in the summary's group
      const job: Job = { ...fields, attempts: 0, createdAt: now, availableAt: hold?.until ?? now, history: [], batch: hold?.group ?? null };
      this.jobs.set(id, { job, leasedUntil: null });
      first ??= fields.payload;
    }
    if (first) this.recordRecent(first);
    return 'stored';
  }

  async dueLanes(now: number): Promise<DueLane[]> {
    const due = new Map<string, number>();
    const leased = new Set<string>();
    for (const { job, leasedUntil } of this.jobs.values()) {
      if (leasedUntil !== null && leasedUntil >= now) leased.add(job.lane);
      else if (job.availableAt <= now && !this.sinkPauses.has(job.sink)) due.set(job.lane, Math.min((due.get(job.lane) ?? 0) + 1, DUE_COUNT_CAP));
    }
    return [...due]
      .filter(([lane]) => !leased.has(lane) && !this.paused(lane, now))
      .map(([lane, count]) => ({ lane, due: count }));
  }

  async lease(lane: string, now: number, max: number, leaseMs: number): Promise<Job[]> {
    if (this.paused(lane, now)) return [];
    const entries = [...this.jobs.values()].filter((entry) => entry.job.lane === lane);
    if (entries.some((entry) => entry.leasedUntil !== null && entry.leasedUntil >= now)) return [];
    const due = entries.filter((entry) => entry.job.availableAt <= now && !this.sinkPauses.has(entry.job.sink));
    const group = due[0]?.job.batch ?? null;
    let leased: Entry[];
    if (group !== null) leased = due.filter((entry) => entry.job.batch === group);
    else {
      // a fresh group stops at a job that already belongs to another group
      const end = due.findIndex((entry) => entry.job.batch !== null);
      leased = due.slice(0, Math.min(max, end === -1 ? due.length : end));
    }
    const batch = group ?? leased[0]?.job.id;
    if (batch === undefined) return [];
    for (const entry of leased) {
      entry.leasedUntil = now + leaseMs;
      entry.job.batch = batch;
    }
    return leased.map((entry) => copy(entry.job));
  }

  async pauseLane(lane: string, until: number): Promise<void> {
    this.pauses.set(lane, Math.max(this.pauses.get(lane) ?? until, until));
  }

  async release(jobs: Job[], availableAt: number): Promise<void> {
    for (const { id } of jobs) {
      const entry = this.jobs.get(id);
      if (!entry) continue;
      entry.job.availableAt = availableAt;
      entry.job.batch = entry.job.hold?.group ?? null;
      entry.leasedUntil = null;
    }
  }

  async ack(jobs: Job[]): Promise<void> {
    for (const job of jobs) this.jobs.delete(job.id);
  }

  async reschedule(job: Job, availableAt: number, error: string, now: number): Promise<void> {
    const entry = this.jobs.get(job.id);
    if (!entry) return;
    entry.job.availableAt = availableAt;
    entry.job.attempts += 1;
    entry.job.history.push({ at: now, error });
    entry.leasedUntil = null;
  }

  async deadLetter(job: Job, error: string, now: number): Promise<void> {
    const entry = this.jobs.get(job.id);
    if (!entry) return;
    this.jobs.delete(job.id);
    const { job: stored } = entry;
    // the failure that kills a job counts as an attempt too
    this.dead.set(job.id, {
      ...stored,
      availableAt: now,
      attempts: stored.attempts + 1,
      history: [...stored.history, { at: now, error }],
      error,
      failedAt: now,
    });
  }

  async deadLetters(sink?: string): Promise<DeadLetter[]> {
    return [...this.dead.values()].filter((letter) => sink === undefined || letter.sink === sink).map(copy);
  }

  async retryDead(selector: DeadLetterSelector, now: number): Promise<number> {
    let moved = 0;
    for (const letter of this.selectDead(selector)) {
      this.dead.delete(letter.id);
      moved += 1;
      if (this.jobs.has(letter.id)) continue;
      // as an ordinary job: no longer held for a summary
      const { error: _error, failedAt: _failedAt, hold: _hold, ...job } = letter;
      this.jobs.set(letter.id, { job: { ...job, availableAt: now, attempts: 0, batch: null }, leasedUntil: null });
    }
    return moved;
  }

  async dropDead(selector: DeadLetterSelector): Promise<number> {
    const letters = this.selectDead(selector);
    for (const letter of letters) this.dead.delete(letter.id);
    return letters.length;
  }

  async stats(): Promise<LaneStats[]> {
    const byLane = new Map<string, LaneStats>();
    for (const { job } of this.jobs.values()) {
      const key = JSON.stringify([job.sink, job.lane]);
      const stats = byLane.get(key);
      if (!stats) byLane.set(key, { sink: job.sink, lane: job.lane, depth: 1, oldestAt: job.createdAt });
      else {
        stats.depth += 1;
        stats.oldestAt = Math.min(stats.oldestAt ?? job.createdAt, job.createdAt);
      }
    }
    return [...byLane.values()].sort((a, b) => compare(a.sink, b.sink) || compare(a.lane, b.lane));
  }

  async ping(): Promise<void> {
    this.assertAvailable();
  }

  async close(): Promise<void> {
    this.available = false;
  }

  async pauseSink(sink: string, now: number, by?: string): Promise<void> {
    if (!this.sinkPauses.has(sink)) this.sinkPauses.set(sink, by === undefined ? { sink, since: now } : { sink, since: now, by });
  }

  async resumeSink(sink: string): Promise<void> {
    this.sinkPauses.delete(sink);
  }

  async pausedSinks(): Promise<SinkPause[]> {
    return [...this.sinkPauses.values()].sort((a, b) => compare(a.sink, b.sink)).map(copy);
  }

  async renew(jobs: Job[], now: number, leasedUntil: number): Promise<boolean> {
    this.assertAvailable();
    let all = true;
    for (const job of jobs) {
      const entry = this.jobs.get(job.id);
      if (entry && entry.leasedUntil !== null && entry.leasedUntil >= now) entry.leasedUntil = leasedUntil;
      else all = false;
    }
    return all;
  }

  async heartbeat(instance: InstanceInfo): Promise<void> {
    this.assertAvailable();
    for (const [id, known] of this.instanceRecords) if (known.heartbeatAt < instance.heartbeatAt - INSTANCE_FORGET_MS) this.instanceRecords.delete(id);
    this.instanceRecords.set(instance.id, copy(instance));
  }

  async instances(): Promise<InstanceInfo[]> {
    return [...this.instanceRecords.values()].sort((a, b) => b.heartbeatAt - a.heartbeatAt).map(copy);
  }

  async forgetInstance(id: string): Promise<void> {
    this.instanceRecords.delete(id);
  }

  async pendingHolds(): Promise<Hold[]> {
    const holds = new Map<string, Hold>();
    for (const { job } of this.jobs.values()) if (job.hold && !holds.has(job.hold.group)) holds.set(job.hold.group, copy(job.hold));
    return [...holds.values()];
  }

  private selectDead(selector: DeadLetterSelector): DeadLetter[] {
    if ('ids' in selector) {
      return [...new Set(selector.ids)].flatMap((id) => this.dead.get(id) ?? []);
    }
    const letters = [...this.dead.values()];
    return 'sink' in selector ? letters.filter((letter) => letter.sink === selector.sink) : letters;
  }

  private paused(lane: string, now: number): boolean {
    return (this.pauses.get(lane) ?? -Infinity) > now;
  }

  private assertAvailable(): void {
    if (!this.available) throw new StoreUnavailableError('memory queue is unavailable');
  }

  /** newest last */
  private readonly recent: Event[] = [];

  async recentEvents(limit: number): Promise<Event[]> {
    if (limit <= 0) return [];
    return copy(this.recent.slice(-Math.min(limit, RECENT_EVENTS)).reverse());
  }

  /** the stored job's own copy: nothing changes an event once stored */
  private recordRecent(event: Event): void {
    this.recent.push(event);
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
  }
  /** JSON [source, subject, sink] → the message */
  private readonly messages = new Map<string, StoredMessage>();

  async recordMessage(key: MessageKey, ref: MessageRef, now: number, keepMs: number): Promise<void> {
    this.messages.set(messageId(key), { ref: copy(ref), expiresAt: now + keepMs });
  }

  async findMessage(key: MessageKey, now: number): Promise<MessageRef | null> {
    const stored = this.messages.get(messageId(key));
    return stored && stored.expiresAt >= now ? copy(stored.ref) : null;
  }

  async holdsMessage(lane: string, key: MessageKey, exceptJobId: string): Promise<boolean> {
    for (const { job } of this.jobs.values()) {
      if (job.lane === lane && job.sink === key.sink && job.id !== exceptJobId && job.source === key.source && subjectOf(job) === key.subject) return true;
    }
    return false;
  }

  async pruneMessages(now: number): Promise<number> {
    let pruned = 0;
    for (const [id, stored] of this.messages) {
      if (stored.expiresAt < now) {
        this.messages.delete(id);
        pruned += 1;
      }
    }
    return pruned;
  }

  async *snapshot(now: number, pageSize: number): AsyncIterable<StoreRecord[]> {
    const records: StoreRecord[] = [
      ...[...this.sinkPauses.values()].map((pause): StoreRecord => ({ kind: 'sink-pause', pause })),
      ...[...this.pauses].filter(([, until]) => until > now).map(([lane, until]): StoreRecord => ({ kind: 'lane-pause', lane, until })),
      ...[...this.messages]
        .filter(([, stored]) => stored.expiresAt >= now)
        .map(([id, { ref, expiresAt }]): StoreRecord => {
          const [source, subject, sink] = JSON.parse(id) as [string, string, string];
          return { kind: 'message', key: { source, subject, sink }, ref, expiresAt };
        }),
      ...[...this.seen]
        .filter(([, seenAt]) => seenAt >= now - SEEN_TTL_MS)
        .map(([key, seenAt]): StoreRecord => {
          const [source, eventId] = JSON.parse(key) as [string, string];
          return { kind: 'seen', source, eventId, seenAt };
        }),
      ...[...this.dead.values()].map((letter): StoreRecord => ({ kind: 'dead', letter })),
      ...[...this.jobs.values()].map(({ job }): StoreRecord => ({ kind: 'job', job })),
    ];
    // pages of one kind each, copies: later changes to the store do not show in a page given out
    for (let start = 0; start < records.length; ) {
      const kind = records[start]!.kind;
      let end = start;
      while (end < records.length && end - start < pageSize && records[end]!.kind === kind) end += 1;
      yield copy(records.slice(start, end));
      start = end;
    }
  }

  async restore(records: StoreRecord[], now: number): Promise<boolean[]> {
    this.assertAvailable();
    return copy(records).map((record) => {
      switch (record.kind) {
        case 'sink-pause':
          if (this.sinkPauses.has(record.pause.sink)) return false;
          this.sinkPauses.set(record.pause.sink, record.pause);
          return true;
        case 'lane-pause':
          if ((this.pauses.get(record.lane) ?? -Infinity) >= record.until) return false;
          this.pauses.set(record.lane, record.until);
          return true;
        case 'message': {
          const id = messageId(record.key);
          if (this.messages.has(id) || record.expiresAt < now) return false;
          this.messages.set(id, { ref: record.ref, expiresAt: record.expiresAt });
          return true;
        }
        case 'seen': {
          const key = JSON.stringify([record.source, record.eventId]);
          if (this.seen.has(key) || record.seenAt < now - SEEN_TTL_MS) return false;
          this.seen.set(key, record.seenAt);
          return true;
        }
        case 'dead':
          if (this.jobs.has(record.letter.id) || this.dead.has(record.letter.id)) return false;
          this.dead.set(record.letter.id, record.letter);
          return true;
        case 'job':
          if (this.jobs.has(record.job.id) || this.dead.has(record.job.id)) return false;
          this.jobs.set(record.job.id, { job: record.job, leasedUntil: null });
          return true;
      }
    });
  }

  /** oldest first */
  private readonly auditEntries: AuditEntry[] = [];
  /** key → when the claim expires */
  private readonly claims = new Map<string, number>();

  async audit(entry: AuditEntry): Promise<void> {
    this.auditEntries.push(copy(entry));
    if (this.auditEntries.length > AUDIT_KEEP) this.auditEntries.shift();
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    return copy(this.auditEntries.slice(-limit).reverse());
  }

  async claim(key: string, now: number, ttlMs: number): Promise<boolean> {
    for (const [held, until] of this.claims) if (until < now) this.claims.delete(held);
    if ((this.claims.get(key) ?? -Infinity) >= now) return false;
    this.claims.set(key, now + ttlMs);
    return true;
  }

  async unclaim(key: string): Promise<void> {
    this.claims.delete(key);
  }
}

function messageId(key: MessageKey): string {
  return JSON.stringify([key.source, key.subject, key.sink]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
