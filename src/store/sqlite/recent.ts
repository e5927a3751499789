import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { Event } from '../../normalize/event';
import { RECENT_EVENTS, type RecentEvents } from '../recent';
import type { JobData } from './rows';

/**
 * The recent-events ring (slot = seq % RECENT_EVENTS): written by the accept transaction
 * (SqliteJobs), read by the template playground.
 */
export class SqliteRecentEvents implements RecentEvents {
  private readonly record;
  private readonly newest;
  /** the last seq given to a recent event; a rolled-back accept only leaves a gap */
  private seq: number;

  constructor(db: Database.Database) {
    this.record = db.prepare<[number, number, string]>('INSERT OR REPLACE INTO recent_events (slot, seq, data) VALUES (?, ?, ?)');
    this.newest = db.prepare<[number], string>('SELECT data FROM recent_events ORDER BY seq DESC LIMIT ?').pluck();
    this.seq = db.prepare<[], number>('SELECT coalesce(max(seq), 0) FROM recent_events').pluck().get()!;
  }

  /** within the accept transaction: `jobData` is the event's first job's data column */
  add(jobData: string): void {
    this.seq += 1;
    this.record.run(this.seq % RECENT_EVENTS, this.seq, jobData);
  }

  async list(limit: number): Promise<Event[]> {
    if (limit <= 0) return [];
    return this.newest.all(Math.min(limit, RECENT_EVENTS)).map((data) => (JSON.parse(data) as JobData).payload);
  }
}

/**
 * The recent events read from a store file another process owns (opening it as a store would clear
 * that process's leases): read-only, nothing when the file or the table is not there yet.
 */
export function readRecentEvents(file: string, limit: number): Event[] {
  if (!fs.existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'recent_events'").get();
    if (table === undefined) return [];
    const rows = db.prepare<[number], string>('SELECT data FROM recent_events ORDER BY seq DESC LIMIT ?').pluck().all(Math.max(0, Math.min(limit, RECENT_EVENTS)));
    return rows.map((data) => (JSON.parse(data) as JobData).payload);
  } finally {
    db.close();
  }
}
