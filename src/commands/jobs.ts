import { formatAge } from '../shared/format';
import { table, withStore } from './store';

export interface JobsOptions {
  config?: string;
  sink?: string;
  limit?: string;
}

/** `jobs list`: the waiting jobs, oldest first: where each goes, its tries, and whether a process holds it now. */
export async function jobsList(options: JobsOptions): Promise<string> {
  const limit = options.limit === undefined ? 100 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a whole number of at least 1');
  return withStore(options.config, async (store) => {
    const now = Date.now();
    const jobs = await store.jobs.waiting(now, limit, options.sink);
    if (jobs.length === 0) return options.sink === undefined ? 'no job is waiting' : `no job of sink "${options.sink}" is waiting`;
    const rows = [['JOB', 'SINK', 'EVENT', 'AGE', 'DUE IN', 'ATTEMPTS', 'CUT OFF', 'STATE']];
    for (const job of jobs) {
      const due = job.availableAt - now;
      rows.push([job.id, job.sink, job.event, formatAge(now - job.createdAt), due > 0 ? formatAge(due) : 'now', String(job.attempts), String(job.lapses), job.leased ? 'sending' : 'waiting']);
    }
    return table(rows);
  });
}

/** `jobs drop ID…`: forget waiting jobs (one that keeps the bridge busy, say); one being sent stays. */
export async function jobsDrop(ids: string[], options: Pick<JobsOptions, 'config'>): Promise<string> {
  if (ids.length === 0) throw new Error('name the jobs to drop (their ids, from `jobs list`)');
  return withStore(options.config, async (store) => {
    const dropped = await store.jobs.drop(ids, Date.now());
    const kept = new Set(ids).size - dropped;
    return `${dropped} waiting job(s) dropped${kept > 0 ? `; ${kept} not found or being sent right now` : ''}`;
  });
}
