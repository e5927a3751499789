import type { Store } from './store';
import { openSqliteStore } from './sqlite/store';

/** `storage:` of the config */
export type StorageSettings = { driver: 'sqlite'; path: string; sync: 'normal' | 'full' } | { driver: 'redis'; url: string; prefix: string };

/**
 * Opens the store the config names. `beside: true` for a command that may run while `serve` uses
 * the store: an SQLite file then keeps the leases of the sends in flight.
 */
export async function openStore(storage: StorageSettings, options: { beside?: boolean } = {}): Promise<Store> {
  if (storage.driver === 'sqlite') return openSqliteStore({ path: storage.path, sync: storage.sync, keepLeases: options.beside });
  const { openRedisStore } = await import('./redis/store');
  return openRedisStore({ url: storage.url, prefix: storage.prefix });
}
