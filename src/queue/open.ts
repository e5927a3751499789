import type { Config } from '../config';
import type { Queue } from './queue';
import { SqliteQueue } from './sqlite';

/** Opens the store the config names. */
export async function openQueue(storage: Config['storage']): Promise<Queue> {
  if (storage.driver === 'sqlite') return SqliteQueue.open({ path: storage.path, sync: storage.sync });
  const { RedisQueue } = await import('./redis');
  return RedisQueue.open({ url: storage.url, prefix: storage.prefix });
}
