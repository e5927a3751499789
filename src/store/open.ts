import type { Config } from '../config';
import type { Store } from './store';
import { openSqliteStore } from './sqlite/store';

/**
 * Opens the store the config names. `beside: true` for a command that may run while `serve` uses
 * the store: an SQLite file then keeps the leases of the sends in flight.
 */
export async function openStore(storage: Config['storage'], options: { beside?: boolean } = {}): Promise<Store> {
  if (storage.driver === 'sqlite') return openSqliteStore({ path: storage.path, sync: storage.sync, keepLeases: options.beside });
  const { openRedisStore } = await import('./redis/store');
  return openRedisStore({ url: storage.url, prefix: storage.prefix });
}
