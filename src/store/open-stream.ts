import fs from 'node:fs';
import path from 'node:path';
import type { StorageSettings } from './open';
import type { StreamStateStore } from './stream';

/**
 * Opens the stream source state beside the queue, in the same store: a second connection to the
 * SQLite file (WAL lets both write), or a second Redis client with the same prefix.
 */
export async function openStreamState(storage: StorageSettings): Promise<StreamStateStore> {
  if (storage.driver === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const { SqliteStreamStateStore } = await import('./sqlite/stream');
    fs.mkdirSync(path.dirname(path.resolve(storage.path)), { recursive: true });
    const db = new Database(storage.path, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${storage.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    return new SqliteStreamStateStore(db);
  }
  const { Redis } = await import('ioredis');
  const { RedisStreamStateStore } = await import('./redis/stream');
  const client = new Redis(storage.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, commandTimeout: 1000 });
  client.on('error', () => undefined);
  await client.connect().catch(() => undefined);
  return new RedisStreamStateStore(client, storage.prefix);
}
