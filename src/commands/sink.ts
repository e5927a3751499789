import os from 'node:os';
import type { Config } from '../config';
import type { Store } from '../store/store';
import type { SinkPause } from '../store/pauses';
import { formatAge, table, withStore } from './store';

/**
 * `sink status | pause | resume`: a pause lives in the store, so a running `serve` (every instance
 * sharing the store) sees it at its next look at the queue, with no restart and no signal.
 */
export interface SinkOptions {
  config?: string;
}

/** who paused: shown by `sink status` */
function operator(): string | undefined {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return undefined;
  }
}

function pausedState(pause: SinkPause, now: number): string {
  const by = pause.by === undefined ? '' : ` by ${pause.by}`;
  return `paused since ${new Date(pause.since).toISOString()} (${formatAge(now - pause.since)} ago)${by}`;
}

async function waiting(store: Store, sink: string): Promise<{ count: number; oldestAt: number | null }> {
  let count = 0;
  let oldestAt: number | null = null;
  for (const lane of await store.jobs.stats()) {
    if (lane.sink !== sink) continue;
    count += lane.depth;
    if (lane.oldestAt !== null) oldestAt = oldestAt === null ? lane.oldestAt : Math.min(oldestAt, lane.oldestAt);
  }
  return { count, oldestAt };
}

/** `sink status`: each configured sink's type, state, waiting count, oldest waiting age and dead letters. */
export function sinkStatus(options: SinkOptions): Promise<string> {
  return withStore(options.config, async (store, config) => {
    const now = Date.now();
    const [stats, pauses, letters] = await Promise.all([store.jobs.stats(), store.pauses.list(), store.deadLetters.list()]);
    const pauseOf = new Map(pauses.map((pause) => [pause.sink, pause]));
    const names = [...Object.keys(config.sinks), ...pauses.map((pause) => pause.sink).filter((sink) => !(sink in config.sinks))];
    const rows = [['SINK', 'TYPE', 'STATE', 'WAITING', 'OLDEST', 'DEAD']];
    for (const name of names) {
      const lanes = stats.filter((lane) => lane.sink === name);
      const count = lanes.reduce((sum, lane) => sum + lane.depth, 0);
      const oldest = lanes.flatMap((lane) => (lane.oldestAt === null ? [] : [lane.oldestAt]));
      const pause = pauseOf.get(name);
      rows.push([
        name,
        config.sinks[name]?.type ?? '(not configured)',
        pause ? pausedState(pause, now) : 'running',
        String(count),
        oldest.length > 0 ? formatAge(now - Math.min(...oldest)) : '-',
        String(letters.filter((letter) => letter.sink === name).length),
      ]);
    }
    return names.length === 0 ? 'no sinks configured' : table(rows);
  });
}

function knownSink(config: Config, name: string): void {
  if (name in config.sinks) return;
  const known = Object.keys(config.sinks);
  throw new Error(`no sink named "${name}" (configured: ${known.length > 0 ? known.join(', ') : 'none'})`);
}

/** `sink pause NAME`: hold the sink's messages, for every instance, until `sink resume NAME`. */
export function sinkPause(name: string, options: SinkOptions): Promise<string> {
  return withStore(options.config, async (store, config) => {
    knownSink(config, name);
    const already = (await store.pauses.list()).find((pause) => pause.sink === name);
    if (already) return `sink "${name}" was already ${pausedState(already, Date.now())}`;
    await store.pauses.pause(name, Date.now(), operator());
    const { count } = await waiting(store, name);
    return `sink "${name}" paused: its messages wait (${count} waiting now) until \`sink resume ${name}\``;
  });
}

/** `sink resume NAME`: release a paused sink's messages, in their order. */
export function sinkResume(name: string, options: SinkOptions): Promise<string> {
  return withStore(options.config, async (store, config) => {
    const paused = (await store.pauses.list()).some((pause) => pause.sink === name);
    // a pause left on a sink since removed from the config can still be lifted
    if (!paused) {
      knownSink(config, name);
      return `sink "${name}" was not paused`;
    }
    await store.pauses.resume(name);
    const { count } = await waiting(store, name);
    return `sink "${name}" resumed: ${count} waiting message(s) go out now`;
  });
}
