import os from 'node:os';
import type Database from 'better-sqlite3';
import { INSTANCE_FORGET_MS, isInstanceAlive, processAlive, type InstanceInfo, type InstanceStore } from '../instances';
import { guard } from './rows';

export class SqliteInstances implements InstanceStore {
  private readonly s;
  private readonly heartbeatTransaction;

  constructor(private readonly db: Database.Database) {
    this.s = {
      heartbeat: db.prepare<[string, number, string]>('INSERT OR REPLACE INTO instances (id, heartbeatAt, data) VALUES (?, ?, ?)'),
      forgetSilent: db.prepare<[number]>('DELETE FROM instances WHERE heartbeatAt < ?'),
      list: db.prepare<[], string>('SELECT data FROM instances ORDER BY heartbeatAt DESC').pluck(),
      forget: db.prepare<[string]>('DELETE FROM instances WHERE id = ?'),
    };
    this.heartbeatTransaction = db.transaction((instance: InstanceInfo) => {
      this.s.forgetSilent.run(instance.heartbeatAt - INSTANCE_FORGET_MS);
      this.s.heartbeat.run(instance.id, instance.heartbeatAt, JSON.stringify(instance));
    });
  }

  async heartbeat(instance: InstanceInfo): Promise<void> {
    guard(this.db, () => this.heartbeatTransaction(instance));
  }

  async list(): Promise<InstanceInfo[]> {
    return this.s.list.all().map((data) => JSON.parse(data) as InstanceInfo);
  }

  async forget(id: string): Promise<void> {
    guard(this.db, () => this.s.forget.run(id));
  }

  /** whether a serving process other than a dead one still uses the file */
  anotherAlive(now: number): boolean {
    const host = os.hostname();
    return this.s.list.all().some((data) => isInstanceAlive(JSON.parse(data) as InstanceInfo, now, host, processAlive));
  }
}
