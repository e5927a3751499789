import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { DATA_DIR } from '../config/defaults';
import type { RunningPage } from '../web/local-server';

/** The local pages and the file each one's token goes to when the output is not a terminal. */
const PAGES = { studio: 'studio-token', 'operations page': 'ops-token' } as const;

/**
 * Where to open a local page (the studio, the operations page). In a terminal: the link with its
 * token. Otherwise (a service, a container whose output is kept in logs) the token goes to a file
 * only its owner can read, in the data folder, and the output says where.
 */
export function announcePage(name: keyof typeof PAGES, page: RunningPage, config: Config, out: NodeJS.WriteStream = process.stdout): void {
  if (out.isTTY) {
    out.write(`misskey-bridge ${name}: ${page.url}\n`);
    return;
  }
  const folder = config.storage.driver === 'sqlite' ? path.dirname(config.storage.path) : DATA_DIR;
  const file = path.join(folder, PAGES[name]);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${page.token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  out.write(`misskey-bridge ${name}: ${page.origin}/?token=<the token in ${file}>\n`);
}
