import { resolveConfig } from '../config';
import { createLogger } from '../observe/logger';
import { readRecentEvents } from '../store/sqlite/recent';
import type { Store } from '../store/store';
import { TemplateStore, templateFolders } from '../render/template-store';
import { startStudio } from '../studio/server';
import { announceStudio } from './studio-address';

/** `studio`: the template playground on its own, beside a running bridge or without one. */
export async function studioCommand(options: { config?: string; host?: string; port?: string }): Promise<void> {
  const { config } = resolveConfig(options.config);
  const logger = createLogger();
  const templates = new TemplateStore(templateFolders(config.templates), config.render, logger);
  templates.watch();
  const storage = config.storage;
  // a Redis store is shared by design; a SQLite file belongs to the bridge that runs on it: read it only
  let redis: Store | undefined;
  const recentEvents = async (limit: number) => {
    if (storage.driver === 'sqlite') return readRecentEvents(storage.path, limit);
    redis ??= await (await import('../store/open')).openStore(storage);
    return redis.recent.list(limit);
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
