import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VISIBILITIES } from '../normalize/event';
import { configSchema, type Config } from './schema';

export const DATA_DIR = './data';
const SECRET_FILE = 'hook-secret';

export interface BuiltInDefault {
  config: Config;
  /** the secret was generated just now and must be shown to the operator once */
  generatedSecret: boolean;
}

/**
 * The configuration used when no config file exists: one source `default`, everything printed
 * to the console. The console is the operator's own terminal, so private notes are shown too.
 */
export function builtInDefault(env: NodeJS.ProcessEnv = process.env, dataDir = DATA_DIR): BuiltInDefault {
  const { secret, generated } = hookSecret(env, dataDir);
  const config = configSchema.parse({
    server: { host: '0.0.0.0', port: env.PORT ?? 3000 },
    storage: { driver: 'sqlite', path: path.join(dataDir, 'bridge.db') },
    sources: { default: { secret } },
    sinks: { console: { type: 'console' } },
    routes: [{ name: 'everything-to-console', events: '*', filter: { visibility: VISIBILITIES }, to: ['console'] }],
  });
  return { config, generatedSecret: generated };
}

/** MISSKEY_HOOK_SECRET, else the secret saved on an earlier start, else a new one saved for the next. */
function hookSecret(env: NodeJS.ProcessEnv, dataDir: string): { secret: string; generated: boolean } {
  if (env.MISSKEY_HOOK_SECRET) return { secret: env.MISSKEY_HOOK_SECRET, generated: false };
  const file = path.join(dataDir, SECRET_FILE);
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generated: false };
  const secret = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, generated: true };
}
