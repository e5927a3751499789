import type Database from 'better-sqlite3';
import type { DeadLetter, DeadLetterSelector, DeadLetterStore } from '../dead-letters';
import { DEAD_COLUMNS, toDeadLetter, type DeadRow } from './rows';

export class SqliteDeadLetters implements DeadLetterStore {
  private readonly s;
  private readonly retryTransaction;
  private readonly dropTransaction;

  constructor(db: Database.Database) {
    this.s = {
      all: db.prepare<[], DeadRow>(`SELECT ${DEAD_COLUMNS} FROM dead ORDER BY rowid`),
      ofSink: db.prepare<[string], DeadRow>(`SELECT ${DEAD_COLUMNS} FROM dead WHERE sink = ? ORDER BY rowid`),
      ids: db.prepare<[], string>('SELECT id FROM dead ORDER BY rowid').pluck(),
      idsOfSink: db.prepare<[string], string>('SELECT id FROM dead WHERE sink = ? ORDER BY rowid').pluck(),
      // a retried job goes to the back of its lane, as an ordinary job (no longer held for a summary)
      revive: db.prepare<[number, string]>(
        `INSERT OR IGNORE INTO jobs (id, lane, sink, data, createdAt, availableAt, attempts, history)
         SELECT id, lane, sink, json_remove(data, '$.hold'), createdAt, ?, 0, history FROM dead WHERE id = ?`,
      ),
      delete: db.prepare<[string]>('DELETE FROM dead WHERE id = ?'),
    };
    this.retryTransaction = db.transaction((selector: DeadLetterSelector, now: number) => {
      let moved = 0;
      for (const id of this.select(selector)) {
        this.s.revive.run(now, id);
        moved += this.s.delete.run(id).changes;
      }
      return moved;
    });
    this.dropTransaction = db.transaction((selector: DeadLetterSelector) => {
      let dropped = 0;
      for (const id of this.select(selector)) dropped += this.s.delete.run(id).changes;
      return dropped;
    });
  }

  async list(sink?: string): Promise<DeadLetter[]> {
    const rows = sink === undefined ? this.s.all.all() : this.s.ofSink.all(sink);
    return rows.map(toDeadLetter);
  }

  async retry(selector: DeadLetterSelector, now: number): Promise<number> {
    return this.retryTransaction(selector, now);
  }

  async drop(selector: DeadLetterSelector): Promise<number> {
    return this.dropTransaction(selector);
  }

  private select(selector: DeadLetterSelector): string[] {
    if ('ids' in selector) return [...new Set(selector.ids)];
    if ('sink' in selector) return this.s.idsOfSink.all(selector.sink);
    return this.s.ids.all();
  }
}
