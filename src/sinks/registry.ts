import type { Platform } from '../render/message';
import { createConsoleSink } from './console/console-sink';
import type { SinkConfig, SinkType } from './schemas';
import type { Sink, SinkDeps } from './sink';

interface SinkDefinition<C extends SinkConfig> {
  platform: Platform;
  /** longest message text the platform shows in one message; the sink cuts anything longer */
  textLimit: number;
  create(name: string, config: C, deps: SinkDeps): Sink;
}

type Registry = { [T in SinkType]: SinkDefinition<Extract<SinkConfig, { type: T }>> };

/** Every sink type: adding a platform is one folder and one line here. */
export const SINKS: Registry = {
  console: { platform: 'console', textLimit: Infinity, create: createConsoleSink },
};

export function createSink(name: string, config: SinkConfig, deps: SinkDeps): Sink {
  const definition = SINKS[config.type] as SinkDefinition<SinkConfig>;
  return definition.create(name, config, deps);
}
