import { DUE_COUNT_CAP, type DueLane, type Job, type JobStore, type LaneStats, type NewJob, type WaitingJob } from '../jobs';
import type { Hold } from '../../route/hold';
import { RECENT_EVENTS } from '../recent';
import { subjectOf, type MessageKey } from '../messages';
import { compare, type RedisContext } from './client';
import { jobDataOf, SEEN_TTL_MS, subjectMember, toJob, type Field } from './rows';

/** JSON, so that any string (a lone surrogate too) survives Redis's byte strings unchanged */
function attemptJson(at: number, error: string): string {
  return JSON.stringify({ at, error });
}

export class RedisJobs implements JobStore {
  constructor(private readonly r: RedisContext) {}

  async accept(source: string, eventId: string, jobs: NewJob[], now: number): Promise<'stored' | 'duplicate'> {
    const args: string[] = [];
    for (const job of jobs) {
      const { id, sink, lane, hold } = job;
      const held = hold ? [JSON.stringify(hold), String(hold.until), hold.group] : ['', '', ''];
      const subject = subjectOf(job);
      args.push(id, lane, sink, JSON.stringify([sink, lane]), JSON.stringify(jobDataOf(job)), ...held, subject === null ? '' : subjectMember(lane, sink, source, subject));
    }
    const seen = JSON.stringify([source, eventId]);
    const stored = await this.r.script('accept', seen, now, SEEN_TTL_MS, RECENT_EVENTS, ...args);
    return stored === 1 ? 'stored' : 'duplicate';
  }

  async dueLanes(now: number): Promise<DueLane[]> {
    const flat = (await this.r.script('due-lanes', now, DUE_COUNT_CAP)) as (string | number)[];
    const lanes: DueLane[] = [];
    for (let i = 0; i < flat.length; i += 2) lanes.push({ lane: String(flat[i]), due: Number(flat[i + 1]) });
    return lanes;
  }

  async lease(lane: string, now: number, max: number, leaseMs: number): Promise<Job[]> {
    const rows = (await this.r.script('lease', lane, now, max, leaseMs)) as Field[][];
    return rows.map(toJob);
  }

  async renew(jobs: Job[], now: number, leasedUntil: number): Promise<boolean> {
    if (jobs.length === 0) return true;
    const renewed = await this.r.script('renew', now, leasedUntil, ...jobs.map((job) => job.id));
    return renewed === jobs.length;
  }

  async pauseLane(lane: string, until: number): Promise<void> {
    await this.r.script('pause-lane', lane, until);
  }

  async release(jobs: Job[], availableAt: number): Promise<void> {
    if (jobs.length === 0) return;
    await this.r.script('release', availableAt, ...jobs.map((job) => job.id));
  }

  async ack(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.r.script('ack', ...jobs.map((job) => job.id));
  }

  async reschedule(job: Job, availableAt: number, error: string, now: number): Promise<void> {
    await this.r.script('reschedule', job.id, availableAt, attemptJson(now, error));
  }

  async deadLetter(job: Job, error: string, now: number): Promise<void> {
    await this.r.script('dead-letter', job.id, attemptJson(now, error), JSON.stringify(error), now);
  }

  async stats(): Promise<LaneStats[]> {
    const flat = (await this.r.script('stats')) as (string | number | null)[];
    const stats: LaneStats[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      const [sink, lane] = JSON.parse(String(flat[i])) as [string, string];
      const oldest = flat[i + 2];
      stats.push({ sink, lane, depth: Number(flat[i + 1]), oldestAt: oldest === null ? null : Number(oldest) });
    }
    return stats.sort((a, b) => compare(a.sink, b.sink) || compare(a.lane, b.lane));
  }

  async waiting(now: number, limit: number, sink?: string): Promise<WaitingJob[]> {
    const rows = (await this.r.script('waiting', now, sink ?? '')) as (string | number)[][];
    return rows
      .map(([id, sinkName, lane, data, createdAt, availableAt, attempts, lapses, seq, leased]) => ({
        seq: Number(seq),
        job: {
          id: String(id),
          sink: String(sinkName),
          lane: String(lane),
          event: (JSON.parse(String(data)) as { event: string }).event,
          createdAt: Number(createdAt),
          availableAt: Number(availableAt),
          attempts: Number(attempts),
          lapses: Number(lapses ?? 0),
          leased: Number(leased) === 1,
        },
      }))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map(({ job }) => job);
  }

  async drop(ids: string[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await this.r.script('drop', now, ...new Set(ids)));
  }

  async holdsMessage(lane: string, key: MessageKey, exceptJobId: string): Promise<boolean> {
    const member = subjectMember(lane, key.sink, key.source, key.subject);
    return Number(await this.r.script('holds-message', member, exceptJobId)) === 1;
  }

  async pendingHolds(): Promise<Hold[]> {
    const holds = await this.r.run(() => this.r.client.hvals(`${this.r.p}holds`));
    return holds.map((hold) => JSON.parse(hold) as Hold);
  }
}
