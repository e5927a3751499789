import os from 'node:os';
import { pausedState, pauseSinkIn, resumeSinkIn } from '../ops/operator';
import { formatAge } from '../shared/format';
import { table, withStore } from './store';

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

/** `sink pause NAME`: hold the sink's messages, for every instance, until `sink resume NAME`. */
export function sinkPause(name: string, options: SinkOptions): Promise<string> {
  return withStore(options.config, (store, config) => pauseSinkIn(store, config, name, operator()));
}

/** `sink resume NAME`: release a paused sink's messages, in their order. */
export function sinkResume(name: string, options: SinkOptions): Promise<string> {
  return withStore(options.config, (store, config) => resumeSinkIn(store, config, name));
}
