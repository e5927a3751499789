import type Database from 'better-sqlite3';
import { AUDIT_KEEP, type AuditEntry, type AuditStore, type ClaimStore } from '../audit';
import { guard } from './rows';

export class SqliteAudit implements AuditStore {
  private readonly s;
  private readonly appendTransaction;

  constructor(private readonly db: Database.Database) {
    this.s = {
      append: db.prepare<[number, string]>('INSERT INTO audit (at, data) VALUES (?, ?)'),
      trim: db.prepare<[number]>('DELETE FROM audit WHERE seq <= (SELECT max(seq) FROM audit) - ?'),
      list: db.prepare<[number], string>('SELECT data FROM audit ORDER BY seq DESC LIMIT ?').pluck(),
    };
    this.appendTransaction = db.transaction((entry: AuditEntry) => {
      const { lastInsertRowid } = this.s.append.run(entry.at, JSON.stringify(entry));
      if (Number(lastInsertRowid) % 1000 === 0) this.s.trim.run(AUDIT_KEEP);
    });
  }

  async append(entry: AuditEntry): Promise<void> {
    guard(this.db, () => this.appendTransaction(entry));
  }

  async list(limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    return this.s.list.all(limit).map((data) => JSON.parse(data) as AuditEntry);
  }
}

export class SqliteClaims implements ClaimStore {
  private readonly s;
  private prunedAt = -Infinity;

  constructor(private readonly db: Database.Database) {
    this.s = {
      // taken when absent or expired; `changes` tells whether this call took it
      claim: db.prepare<{ key: string; now: number; expiresAt: number }>(
        `INSERT INTO claims (key, expiresAt) VALUES (:key, :expiresAt)
         ON CONFLICT (key) DO UPDATE SET expiresAt = excluded.expiresAt WHERE claims.expiresAt < :now`,
      ),
      prune: db.prepare<[number]>('DELETE FROM claims WHERE expiresAt < ?'),
      unclaim: db.prepare<[string]>('DELETE FROM claims WHERE key = ?'),
    };
  }

  async claim(key: string, now: number, ttlMs: number): Promise<boolean> {
    return guard(this.db, () => {
      if (now - this.prunedAt >= 3_600_000) {
        this.prunedAt = now;
        this.s.prune.run(now);
      }
      return this.s.claim.run({ key, now, expiresAt: now + ttlMs }).changes > 0;
    });
  }

  async unclaim(key: string): Promise<void> {
    guard(this.db, () => this.s.unclaim.run(key));
  }
}
