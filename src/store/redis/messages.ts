import type { MessageKey, MessageRef, MessageStore, StoredMessage } from '../messages';
import type { RedisContext } from './client';

/** `msg:` + JSON [source, subject, sink] (the migration's snapshot reads them back) */
export function messageKey(p: string, key: MessageKey): string {
  return `${p}msg:${JSON.stringify([key.source, key.subject, key.sink])}`;
}

export class RedisMessages implements MessageStore {
  constructor(private readonly r: RedisContext) {}

  async record(key: MessageKey, ref: MessageRef, now: number, keepMs: number): Promise<void> {
    const stored: StoredMessage = { ref, expiresAt: now + keepMs };
    // Redis forgets it by itself; `expiresAt` decides for callers whose clock differs from Redis's
    await this.r.run(() => this.r.client.set(messageKey(this.r.p, key), JSON.stringify(stored), 'PX', Math.max(1, keepMs)));
  }

  async find(key: MessageKey, now: number): Promise<MessageRef | null> {
    const text = await this.r.run(() => this.r.client.get(messageKey(this.r.p, key)));
    if (text === null) return null;
    const stored = JSON.parse(text) as StoredMessage;
    return stored.expiresAt >= now ? stored.ref : null;
  }

  /** Redis expires the entries itself */
  async prune(): Promise<number> {
    return 0;
  }
}
