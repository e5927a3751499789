import type Database from 'better-sqlite3';
import type { Attempt, Job, NewJob } from '../jobs';
import type { DeadLetter } from '../dead-letters';
import { StoreUnavailableError } from '../errors';

/** how long an event counts as seen (a redelivery within it is a duplicate) */
export const SEEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** codes meaning "cannot write right now": the caller answers 503 and Misskey retries */
const UNAVAILABLE_CODE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN)/;

/** runs a write, turning "cannot write right now" failures into StoreUnavailableError */
export function guard<T>(db: Database.Database, write: () => T): T {
  try {
    return write();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!db.open || (typeof code === 'string' && UNAVAILABLE_CODE.test(code))) {
      throw new StoreUnavailableError(`queue store cannot take writes: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

/** the job fields without a column of their own */
export type JobData = Pick<NewJob, 'source' | 'eventId' | 'event' | 'route' | 'template' | 'payload' | 'hold'>;

export interface JobRow {
  id: string;
  lane: string;
  sink: string;
  data: string;
  createdAt: number;
  availableAt: number;
  attempts: number;
  history: string;
  batch: string | null;
  lapses: number;
}

export interface DeadRow extends Omit<JobRow, 'availableAt' | 'lapses'> {
  error: string;
  failedAt: number;
}

export const JOB_COLUMNS = 'id, lane, sink, data, createdAt, availableAt, attempts, history, batch, lapses';
export const DEAD_COLUMNS = 'id, lane, sink, data, createdAt, attempts, history, batch, error, failedAt';

export function toJob(row: JobRow): Job {
  const data = JSON.parse(row.data) as JobData;
  return {
    ...data,
    id: row.id,
    lane: row.lane,
    sink: row.sink,
    createdAt: row.createdAt,
    availableAt: row.availableAt,
    attempts: row.attempts,
    history: JSON.parse(row.history) as Attempt[],
    batch: row.batch,
    lapses: row.lapses,
  };
}

/** a dead letter is not scheduled: it becomes due when retried */
export function toDeadLetter(row: DeadRow): DeadLetter {
  return { ...toJob({ ...row, availableAt: row.failedAt, lapses: 0 }), error: row.error, failedAt: row.failedAt };
}

/** the job fields kept in its data column */
export function jobData(job: NewJob): JobData {
  const { source, eventId, event, route, template, payload, hold } = job;
  return { source, eventId, event, route, template, payload, ...(hold ? { hold } : {}) };
}

/** the columns jobs and dead letters share */
export function columns(job: Job) {
  return {
    id: job.id,
    lane: job.lane,
    sink: job.sink,
    data: JSON.stringify(jobData(job)),
    createdAt: job.createdAt,
    attempts: job.attempts,
    history: JSON.stringify(job.history),
    batch: job.batch,
  };
}

export type Columns = ReturnType<typeof columns>;
