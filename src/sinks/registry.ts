import type { Platform } from '../render/message';
import { createConsoleSink } from './console/console-sink';
import { createDiscordSink } from './discord/discord-sink';
import { DISCORD_TEXT_LIMIT } from './discord/limits';
import { MATRIX_TEXT_LIMIT } from './matrix/limits';
import { createMatrixSink } from './matrix/matrix-sink';
import { BLOCKS_TEXT_BUDGET } from './slack/limits';
import { createSlackSink } from './slack/slack-sink';
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
  discord: { platform: 'discord', textLimit: DISCORD_TEXT_LIMIT, create: createDiscordSink },
  slack: { platform: 'slack', textLimit: BLOCKS_TEXT_BUDGET, create: createSlackSink },
  matrix: { platform: 'matrix', textLimit: MATRIX_TEXT_LIMIT, create: createMatrixSink },
};

export function createSink(name: string, config: SinkConfig, deps: SinkDeps): Sink {
  const definition = SINKS[config.type] as SinkDefinition<SinkConfig>;
  return definition.create(name, config, deps);
}
