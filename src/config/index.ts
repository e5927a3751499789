import { existsSync } from 'node:fs';
import { builtInDefault } from './defaults';
import { loadConfigFile } from './load';
import type { Config } from './schema';

export const DEFAULT_CONFIG_FILE = './config.yaml';

export interface ResolvedConfig {
  config: Config;
  /** the file it came from, or null for the built-in default */
  file: string | null;
  /** the built-in default generated a secret that the operator must see once */
  generatedSecret: boolean;
}

/**
 * The config a command runs with: the named file (which must exist), else ./config.yaml if
 * present, else the built-in default.
 */
export function resolveConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const chosen = file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (chosen) return { config: loadConfigFile(chosen, env), file: chosen, generatedSecret: false };
  const { config, generatedSecret } = builtInDefault(env);
  return { config, file: null, generatedSecret };
}

export type { Config } from './schema';
export { ConfigError } from './errors';
