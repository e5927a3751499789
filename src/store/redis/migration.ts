import type { MigrationStore, StoreRecord } from '../migration';
import type { StoredMessage } from '../messages';
import type { PauseStore } from '../pauses';
import type { Job } from '../jobs';
import { compare, globEscape, type RedisContext } from './client';
import { DEAD_ROW_LENGTH, jobDataOf, SEEN_TTL_MS, toDeadLetter, toJob, type Field } from './rows';

export class RedisMigration implements MigrationStore {
  constructor(
    private readonly r: RedisContext,
    private readonly pauses: PauseStore,
  ) {}

  /** every key under `${P}<kind>:`, by SCAN: a page per answer, never a KEYS over the whole Redis */
  private async *scanValues(kind: string, pageSize: number): AsyncIterable<[string, string][]> {
    const start = `${this.r.p}${kind}:`;
    const pattern = `${globEscape(start)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.r.run(() => this.r.client.scan(cursor, 'MATCH', pattern, 'COUNT', pageSize));
      cursor = next;
      if (keys.length === 0) continue;
      const values = await this.r.run(() => this.r.client.mget(...keys));
      const found = keys.flatMap((key, i): [string, string][] => (values[i] == null ? [] : [[key.slice(start.length), values[i]]]));
      // COUNT is only a hint: an answer may hold more keys than asked for
      for (let i = 0; i < found.length; i += pageSize) yield found.slice(i, i + pageSize);
    } while (cursor !== '0');
  }

  async *snapshot(now: number, pageSize: number): AsyncIterable<StoreRecord[]> {
    const limit = Math.max(1, pageSize);
    const sinkPauses = await this.pauses.list();
    for (let i = 0; i < sinkPauses.length; i += limit) {
      yield sinkPauses.slice(i, i + limit).map((pause) => ({ kind: 'sink-pause', pause }));
    }
    const lanePauses = await this.r.run(() => this.r.client.zrangebyscore(`${this.r.p}paused`, `(${now}`, '+inf', 'WITHSCORES'));
    for (let i = 0; i < lanePauses.length; i += 2 * limit) {
      const page: StoreRecord[] = [];
      for (let j = i; j < Math.min(lanePauses.length, i + 2 * limit); j += 2) page.push({ kind: 'lane-pause', lane: lanePauses[j]!, until: Number(lanePauses[j + 1]) });
      yield page;
    }
    for await (const entries of this.scanValues('msg', limit)) {
      const page = entries.flatMap(([key, value]): StoreRecord[] => {
        const [source, subject, sink] = JSON.parse(key) as [string, string, string];
        const { ref, expiresAt } = JSON.parse(value) as StoredMessage;
        return expiresAt >= now ? [{ kind: 'message', key: { source, subject, sink }, ref, expiresAt }] : [];
      });
      if (page.length > 0) yield page;
    }
    for await (const entries of this.scanValues('seen', limit)) {
      const page = entries.flatMap(([key, value]): StoreRecord[] => {
        const [source, eventId] = JSON.parse(key) as [string, string];
        const seenAt = Number(value);
        return seenAt >= now - SEEN_TTL_MS ? [{ kind: 'seen', source, eventId, seenAt }] : [];
      });
      if (page.length > 0) yield page;
    }
    // dead letters by their place in the list: a page starts after the last one given
    for (let after = '-inf'; ; ) {
      const rows = (await this.r.script('dead-page', after, limit)) as Field[][];
      if (rows.length === 0) break;
      after = `(${rows[rows.length - 1]![DEAD_ROW_LENGTH]}`;
      yield rows.map((row) => ({ kind: 'dead', letter: toDeadLetter(row.slice(0, DEAD_ROW_LENGTH)) }));
    }
    const lanes = (await this.r.run(() => this.r.client.smembers(`${this.r.p}lanes`))).sort(compare);
    for (const lane of lanes) {
      const ids = (await this.r.script('lane-order', lane)) as string[];
      for (let i = 0; i < ids.length; i += limit) {
        const rows = (await this.r.script('job-rows', ...ids.slice(i, i + limit))) as Field[][];
        if (rows.length > 0) yield rows.map((row) => ({ kind: 'job', job: toJob(row) }));
      }
    }
  }

  /** one script: a page is written whole (Redis has no rollback: a retry writes what is missing) */
  async restore(records: StoreRecord[], now: number): Promise<boolean[]> {
    if (records.length === 0) return [];
    const args: (string | number)[] = [];
    for (const record of records) {
      switch (record.kind) {
        case 'sink-pause': {
          const { sink, since, by } = record.pause;
          args.push(record.kind, sink, JSON.stringify({ since, by }));
          break;
        }
        case 'lane-pause':
          args.push(record.kind, record.lane, record.until);
          break;
        case 'message': {
          const stored: StoredMessage = { ref: record.ref, expiresAt: record.expiresAt };
          args.push(record.kind, JSON.stringify([record.key.source, record.key.subject, record.key.sink]), JSON.stringify(stored), record.expiresAt);
          break;
        }
        case 'seen':
          args.push(record.kind, JSON.stringify([record.source, record.eventId]), record.seenAt);
          break;
        case 'dead': {
          const letter = record.letter;
          args.push(record.kind, ...jobFields(letter), letter.batch ?? '', JSON.stringify(letter.error), letter.failedAt, holdField(letter));
          break;
        }
        case 'job': {
          const job = record.job;
          args.push(record.kind, ...jobFields(job), job.batch ?? '', job.availableAt, holdField(job));
          break;
        }
      }
    }
    const written = (await this.r.script('restore', now, SEEN_TTL_MS, ...args)) as number[];
    return written.map((one) => one === 1);
  }
}

/** id, lane, sink, pair, data, createdAt, attempts, history: as restore.lua takes them */
function jobFields(job: Job): (string | number)[] {
  const { id, sink, lane } = job;
  return [id, lane, sink, JSON.stringify([sink, lane]), JSON.stringify(jobDataOf(job)), job.createdAt, job.attempts, JSON.stringify(job.history)];
}

/** a held job's hold as the job hash keeps it; '' when not held */
const holdField = (job: Job): string => (job.hold ? JSON.stringify(job.hold) : '');

