import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig, type Config } from '../config';
import { DATA_DIR } from '../config/defaults';
import { createLogger } from '../observe/logger';
import { readRecentEvents } from '../queue/sqlite';
import type { Queue } from '../queue/queue';
import { TemplateStore, templateFolders } from '../render/template-store';
import { startStudio, type RunningStudio } from '../studio/server';

/** `studio`: the template playground on its own, beside a running bridge or without one. */
export async function studioCommand(options: { config?: string; host?: string; port?: string }): Promise<void> {
  const { config } = resolveConfig(options.config);
  const logger = createLogger();
  const templates = new TemplateStore(templateFolders(config.templates), config.render, logger);
  templates.watch();
  const storage = config.storage;
  // a Redis store is shared by design; a SQLite file belongs to the bridge that runs on it: read it only
  let redis: Queue | undefined;
  const recentEvents = async (limit: number) => {
    if (storage.driver === 'sqlite') return readRecentEvents(storage.path, limit);
    redis ??= await (await import('../queue/open')).openQueue(storage);
    return redis.recentEvents(limit);
  };
  const studio = await startStudio({
    config,
    logger,
    templates: () => templates.get(),
    recentEvents,
    host: options.host ?? config.studio.host,
    port: options.port === undefined ? config.studio.port : Number(options.port),
  });
  announceStudio(studio, config);
  const stop = () => {
    templates.close();
    void Promise.all([studio.close(), redis?.close()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

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
