import type { Platform } from '../render/message';
import { DISCORD_TEXT_LIMIT } from './discord/limits';
import { MATRIX_TEXT_LIMIT } from './matrix/limits';
import { BLOCKS_TEXT_BUDGET } from './slack/limits';
import type { SinkConfig, SinkType } from './schemas';
import type { Sink, SinkDeps } from '../deliver/sink';

interface SinkDefinition<C extends SinkConfig> {
  platform: Platform;
  /** longest message text the platform shows in one message; the sink cuts anything longer */
  textLimit: number;
  /**
   * Requires the sink's module, only when a sink of this type is created: a platform's client
   * library (discord.js, @slack/web-api) costs megabytes and start-up time, and a config uses one
   * or two platforms. The constants above come from each sink's `limits.ts`, which imports nothing.
   */
  load(): (name: string, config: C, deps: SinkDeps) => Sink;
}

type Registry = { [T in SinkType]: SinkDefinition<Extract<SinkConfig, { type: T }>> };

/* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose, see SinkDefinition.load */
/** Every sink type: adding a platform is one folder and one line here. */
export const SINKS: Registry = {
  console: { platform: 'console', textLimit: Infinity, load: () => (require('./console/console-sink') as typeof import('./console/console-sink')).createConsoleSink },
  discord: { platform: 'discord', textLimit: DISCORD_TEXT_LIMIT, load: () => (require('./discord/discord-sink') as typeof import('./discord/discord-sink')).createDiscordSink },
  slack: { platform: 'slack', textLimit: BLOCKS_TEXT_BUDGET, load: () => (require('./slack/slack-sink') as typeof import('./slack/slack-sink')).createSlackSink },
  matrix: { platform: 'matrix', textLimit: MATRIX_TEXT_LIMIT, load: () => (require('./matrix/matrix-sink') as typeof import('./matrix/matrix-sink')).createMatrixSink },
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function createSink(name: string, config: SinkConfig, deps: SinkDeps): Sink {
  const definition = SINKS[config.type] as SinkDefinition<SinkConfig>;
  return definition.load()(name, config, deps);
}
