import { z } from 'zod';
import { consoleSinkConfig } from './console/config';
import { discordSinkConfig } from './discord/config';
import { matrixSinkSchema } from './matrix/config';
import { slackSinkConfigSchema } from './slack/config';

/** Config schema of every sink type, keyed by `type`. */
export const sinkConfig = z.discriminatedUnion('type', [consoleSinkConfig, discordSinkConfig, slackSinkConfigSchema, matrixSinkSchema]);

export type SinkConfig = z.infer<typeof sinkConfig>;
export type SinkType = SinkConfig['type'];
