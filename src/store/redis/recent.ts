import type { Event } from '../../normalize/event';
import { RECENT_EVENTS, type RecentEvents } from '../recent';
import type { RedisContext } from './client';
import type { JobData } from './rows';

/** a list, newest first, pushed by the accept script */
export class RedisRecentEvents implements RecentEvents {
  constructor(private readonly r: RedisContext) {}

  async list(limit: number): Promise<Event[]> {
    if (limit <= 0) return [];
    const rows = await this.r.run(() => this.r.client.lrange(`${this.r.p}recent`, 0, Math.min(limit, RECENT_EVENTS) - 1));
    return rows.map((data) => (JSON.parse(data) as JobData).payload);
  }
}
