import type Database from 'better-sqlite3';
import type { PauseStore, SinkPause } from '../pauses';
import { guard } from './rows';

export class SqlitePauses implements PauseStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      // a second pause keeps the first one's time
      pause: db.prepare<[string, number, string | null]>('INSERT OR IGNORE INTO sink_pauses (sink, since, by) VALUES (?, ?, ?)'),
      resume: db.prepare<[string]>('DELETE FROM sink_pauses WHERE sink = ?'),
      list: db.prepare<[], { sink: string; since: number; by: string | null }>('SELECT sink, since, by FROM sink_pauses ORDER BY sink'),
    };
  }

  async pause(sink: string, now: number, by?: string): Promise<void> {
    guard(this.db, () => this.s.pause.run(sink, now, by ?? null));
  }

  async resume(sink: string): Promise<void> {
    guard(this.db, () => this.s.resume.run(sink));
  }

  async list(): Promise<SinkPause[]> {
    return this.s.list.all().map(({ sink, since, by }) => (by === null ? { sink, since } : { sink, since, by }));
  }
}
