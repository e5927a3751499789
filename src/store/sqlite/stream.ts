import type Database from 'better-sqlite3';
import { isNewerId } from '../../shared/misskey-ids';
import type { CursorKind, StreamSourceState, StreamStateStore, StreamStatusUpdate } from '../stream';

interface Row {
  source: string;
  cursor: string | null;
  chat_cursor: string | null;
  connected_since: number | null;
  last_event_at: number | null;
  backfilled: number;
  last_error: string | null;
  lost_gap: string | null;
  holder: string | null;
  lease_until: number | null;
}

const COLUMN: Record<CursorKind, 'cursor' | 'chat_cursor'> = { notification: 'cursor', chat: 'chat_cursor' };

/** Stream source state in the bridge's SQLite file, in a table of its own. */
export class SqliteStreamStateStore implements StreamStateStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS stream_sources (
      source TEXT PRIMARY KEY, cursor TEXT, chat_cursor TEXT, cursor_at INTEGER,
      connected_since INTEGER, last_event_at INTEGER, backfilled INTEGER NOT NULL DEFAULT 0,
      last_error TEXT, lost_gap TEXT, holder TEXT, lease_until INTEGER)`);
  }

  private row(source: string): Row | undefined {
    return this.db.prepare('SELECT * FROM stream_sources WHERE source = ?').get(source) as Row | undefined;
  }

  private ensure(source: string): void {
    this.db.prepare('INSERT OR IGNORE INTO stream_sources (source) VALUES (?)').run(source);
  }

  async cursor(source: string, kind: CursorKind): Promise<string | null> {
    return this.row(source)?.[COLUMN[kind]] ?? null;
  }

  async setCursor(source: string, kind: CursorKind, id: string, now: number): Promise<void> {
    this.db.transaction(() => {
      this.ensure(source);
      if (!isNewerId(id, this.row(source)![COLUMN[kind]])) return;
      this.db.prepare(`UPDATE stream_sources SET ${COLUMN[kind]} = ?, cursor_at = ? WHERE source = ?`).run(id, now, source);
    })();
  }

  async updateStatus(source: string, update: StreamStatusUpdate): Promise<void> {
    this.db.transaction(() => {
      this.ensure(source);
      const set: Record<string, 'connected_since' | 'last_event_at' | 'last_error' | 'lost_gap'> = {
        connectedSince: 'connected_since',
        lastEventAt: 'last_event_at',
        lastError: 'last_error',
        lostGap: 'lost_gap',
      };
      for (const [key, column] of Object.entries(set)) {
        const value = update[key as keyof StreamStatusUpdate];
        if (value !== undefined) this.db.prepare(`UPDATE stream_sources SET ${column} = ? WHERE source = ?`).run(value, source);
      }
      if (update.backfilledMore) this.db.prepare('UPDATE stream_sources SET backfilled = backfilled + ? WHERE source = ?').run(update.backfilledMore, source);
    })();
  }

  async states(): Promise<StreamSourceState[]> {
    const rows = this.db.prepare('SELECT * FROM stream_sources ORDER BY source').all() as Row[];
    return rows.map((row) => ({
      source: row.source,
      cursor: row.cursor,
      chatCursor: row.chat_cursor,
      connectedSince: row.connected_since,
      lastEventAt: row.last_event_at,
      backfilled: row.backfilled,
      lastError: row.last_error,
      lostGap: row.lost_gap,
      holder: row.holder,
    }));
  }

  async takeLease(source: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    return this.db.transaction(() => {
      this.ensure(source);
      const row = this.row(source)!;
      if (row.holder !== holder && row.holder !== null && (row.lease_until ?? 0) > now) return false;
      this.db.prepare('UPDATE stream_sources SET holder = ?, lease_until = ? WHERE source = ?').run(holder, now + ttlMs, source);
      return true;
    })();
  }

  async renewLease(source: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const renewed = this.db.prepare('UPDATE stream_sources SET lease_until = ? WHERE source = ? AND holder = ?').run(now + ttlMs, source, holder);
    return renewed.changes === 1;
  }

  async releaseLease(source: string, holder: string): Promise<void> {
    this.db.prepare('UPDATE stream_sources SET holder = NULL, lease_until = NULL, connected_since = NULL WHERE source = ? AND holder = ?').run(source, holder);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
