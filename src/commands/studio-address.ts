import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { DATA_DIR } from '../config/defaults';
import type { RunningStudio } from '../studio/server';

/**
 * Where to open the studio. In a terminal: the link with its token. Otherwise (a service, a
 * container whose output is kept in logs) the token goes to a file only its owner can read, in the
 * data folder, and the output says where.
 */
export function announceStudio(studio: RunningStudio, config: Config, out: NodeJS.WriteStream = process.stdout): void {
  if (out.isTTY) {
    out.write(`misskey-bridge studio: ${studio.url}\n`);
    return;
  }
  const folder = config.storage.driver === 'sqlite' ? path.dirname(config.storage.path) : DATA_DIR;
  const file = path.join(folder, 'studio-token');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${studio.token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  out.write(`misskey-bridge studio: ${studio.origin}/?token=<the token in ${file}>\n`);
}
