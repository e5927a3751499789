import type { Config } from '../config';
import { formatAge } from '../shared/format';
import type { DeadLetterSelector } from '../store/dead-letters';
import type { SinkPause } from '../store/pauses';
import type { Store } from '../store/store';

/*
 * What an operator does to the store, and what they are told: the same code for the CLI
 * (`sink pause/resume`, `dlq retry/drop`) and for the operations page's buttons.
 */

export function pausedState(pause: SinkPause, now: number): string {
  const by = pause.by === undefined ? '' : ` by ${pause.by}`;
  return `paused since ${new Date(pause.since).toISOString()} (${formatAge(now - pause.since)} ago)${by}`;
}

export async function waiting(store: Pick<Store, 'jobs'>, sink: string): Promise<{ count: number; oldestAt: number | null }> {
  let count = 0;
  let oldestAt: number | null = null;
  for (const lane of await store.jobs.stats()) {
    if (lane.sink !== sink) continue;
    count += lane.depth;
    if (lane.oldestAt !== null) oldestAt = oldestAt === null ? lane.oldestAt : Math.min(oldestAt, lane.oldestAt);
  }
  return { count, oldestAt };
}

export function knownSink(config: Pick<Config, 'sinks'>, name: string): void {
  if (name in config.sinks) return;
  const known = Object.keys(config.sinks);
  throw new Error(`no sink named "${name}" (configured: ${known.length > 0 ? known.join(', ') : 'none'})`);
}

/** What pausing and resuming needs of the store: the CLI and the operations page pass theirs. */
export type SinkControl = Pick<Store, 'jobs' | 'pauses'>;

/** Pauses the sink unless it is paused already; answers what the operator is told. */
export async function pauseSinkIn(store: SinkControl, config: Pick<Config, 'sinks'>, name: string, by: string | undefined): Promise<string> {
  knownSink(config, name);
  const already = (await store.pauses.list()).find((pause) => pause.sink === name);
  if (already) return `sink "${name}" was already ${pausedState(already, Date.now())}`;
  await store.pauses.pause(name, Date.now(), by);
  const { count } = await waiting(store, name);
  return `sink "${name}" paused: its messages wait (${count} waiting now) until \`sink resume ${name}\``;
}

/** Resumes the sink when it is paused; answers what the operator is told. */
export async function resumeSinkIn(store: SinkControl, config: Pick<Config, 'sinks'>, name: string): Promise<string> {
  const paused = (await store.pauses.list()).some((pause) => pause.sink === name);
  // a pause left on a sink since removed from the config can still be lifted
  if (!paused) {
    knownSink(config, name);
    return `sink "${name}" was not paused`;
  }
  await store.pauses.resume(name);
  const { count } = await waiting(store, name);
  return `sink "${name}" resumed: ${count} waiting message(s) go out now`;
}

/** Queues dead letters again; answers what the operator is told (the CLI and the operations page). */
export async function retryDeadLetters(store: Pick<Store, 'deadLetters'>, selected: DeadLetterSelector): Promise<string> {
  return `${await store.deadLetters.retry(selected, Date.now())} dead letter(s) queued again`;
}

/** Deletes dead letters; answers what the operator is told. */
export async function dropDeadLetters(store: Pick<Store, 'deadLetters'>, selected: DeadLetterSelector): Promise<string> {
  return `${await store.deadLetters.drop(selected)} dead letter(s) dropped`;
}

