import type { DeadLetter } from '../dead-letters';
import type { Attempt, Job, NewJob } from '../jobs';
import type { Hold } from '../../route/hold';
import { DEAD_FIELDS } from './client';

/** how long an event counts as seen (a redelivery within it is a duplicate) */
export const SEEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** the job fields stored as one JSON string */
export type JobData = Pick<NewJob, 'source' | 'eventId' | 'event' | 'route' | 'template' | 'payload'>;

export type Field = string | null;

/** a row of id and JOB_FIELDS */
export function toJob([id, data, lane, sink, createdAt, availableAt, attempts, history, batch, hold, lapses]: Field[]): Job {
  return {
    ...(JSON.parse(data!) as JobData),
    ...(hold ? { hold: JSON.parse(hold) as Hold } : {}),
    id: id!,
    lane: lane!,
    sink: sink!,
    createdAt: Number(createdAt),
    availableAt: Number(availableAt),
    attempts: Number(attempts),
    history: JSON.parse(history!) as Attempt[],
    batch: batch ?? null,
    lapses: Number(lapses ?? 0),
  };
}

/** a row of id and DEAD_FIELDS; a dead letter is not scheduled: it becomes due when retried */
export function toDeadLetter(row: Field[]): DeadLetter {
  const [id, data, lane, sink, createdAt, attempts, history, batch, error, failedAt, hold] = row;
  const job = toJob([id, data, lane, sink, createdAt, failedAt, attempts, history, batch, hold].map((field) => field ?? null));
  return { ...job, error: JSON.parse(error!) as string, failedAt: Number(failedAt) };
}

/** id and DEAD_FIELDS */
export const DEAD_ROW_LENGTH = 1 + DEAD_FIELDS.length;

export function jobDataOf({ source, eventId, event, route, template, payload }: NewJob): JobData {
  return { source, eventId, event, route, template, payload };
}

/** A lane's jobs of one sink for one note or report: the member of its subject set (the same in Lua). */
export function subjectMember(lane: string, sink: string, source: string, subject: string): string {
  return [lane, sink, source, subject].join('\0');
}
