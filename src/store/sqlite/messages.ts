import type Database from 'better-sqlite3';
import type { MessageKey, MessageRef, MessageStore } from '../messages';

export class SqliteMessages implements MessageStore {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      record: db.prepare<MessageKey & { ref: string; expiresAt: number }>(
        `INSERT INTO messages (source, subject, sink, ref, expiresAt) VALUES (:source, :subject, :sink, :ref, :expiresAt)
         ON CONFLICT (source, subject, sink) DO UPDATE SET ref = excluded.ref, expiresAt = excluded.expiresAt`,
      ),
      find: db
        .prepare<MessageKey & { now: number }, string>(
          'SELECT ref FROM messages WHERE source = :source AND subject = :subject AND sink = :sink AND expiresAt >= :now',
        )
        .pluck(),
      prune: db.prepare<[number]>('DELETE FROM messages WHERE expiresAt < ?'),
    };
  }

  async record(key: MessageKey, ref: MessageRef, now: number, keepMs: number): Promise<void> {
    this.s.record.run({ ...key, ref: JSON.stringify(ref), expiresAt: now + keepMs });
  }

  async find(key: MessageKey, now: number): Promise<MessageRef | null> {
    const ref = this.s.find.get({ ...key, now });
    return ref === undefined ? null : (JSON.parse(ref) as MessageRef);
  }

  async prune(now: number): Promise<number> {
    return this.s.prune.run(now).changes;
  }
}
