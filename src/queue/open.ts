import type { Config } from '../config';
import type { Queue } from './queue';
import { SqliteQueue } from './sqlite';

/**
 * Opens the store the config names. `beside: true` for a command that may run while `serve` uses
 * the store: an SQLite file then keeps the leases of the sends in flight.
 */
export async function openQueue(storage: Config['storage'], options: { beside?: boolean } = {}): Promise<Queue> {
  if (storage.driver === 'sqlite') return SqliteQueue.open({ path: storage.path, sync: storage.sync, keepLeases: options.beside });
  const { RedisQueue } = await import('./redis');
  return RedisQueue.open({ url: storage.url, prefix: storage.prefix });
}
