import { AUDIT_KEEP, type AuditEntry, type AuditStore, type ClaimStore } from '../audit';
import type { RedisContext } from './client';

/** a stream, field `e` = JSON AuditEntry, trimmed to about AUDIT_KEEP */
export class RedisAudit implements AuditStore {
  constructor(private readonly r: RedisContext) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.r.run(() => this.r.client.xadd(`${this.r.p}audit`, 'MAXLEN', '~', AUDIT_KEEP, '*', 'e', JSON.stringify(entry)));
  }

  async list(limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    const rows = await this.r.run(() => this.r.client.xrevrange(`${this.r.p}audit`, '+', '-', 'COUNT', limit));
    return rows.flatMap(([, fields]) => {
      const at = fields.indexOf('e');
      return at >= 0 && fields[at + 1] !== undefined ? [JSON.parse(fields[at + 1]!) as AuditEntry] : [];
    });
  }
}

export class RedisClaims implements ClaimStore {
  constructor(private readonly r: RedisContext) {}

  /** Redis's own expiry: `now` is only used for the length (every instance's clock may differ) */
  async claim(key: string, _now: number, ttlMs: number): Promise<boolean> {
    const taken = await this.r.run(() => this.r.client.set(`${this.r.p}claim:${key}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
    return taken === 'OK';
  }

  async unclaim(key: string): Promise<void> {
    await this.r.run(() => this.r.client.del(`${this.r.p}claim:${key}`));
  }
}
