import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { CursorKind, StreamSourceState, StreamStateStore, StreamStatusUpdate } from '../stream';

const FIELD: Record<CursorKind, string> = { notification: 'cursor', chat: 'chatCursor' };
/** each script and how many of its arguments are keys */
const SCRIPTS = { 'stream-set-cursor': 1, 'stream-take-lease': 2, 'stream-renew-lease': 1, 'stream-release-lease': 2 } as const;

type Scripted = Record<keyof typeof SCRIPTS, (...args: (string | number)[]) => Promise<number>>;

/** The Lua files beside this module (sources), or in the source tree (a build without them). */
function script(name: string): string {
  const beside = path.join(__dirname, 'scripts', `${name}.lua`);
  const inSources = path.resolve(__dirname, '../../../src/store/redis/scripts', `${name}.lua`);
  return readFileSync(existsSync(beside) ? beside : inSources, 'utf8');
}

/** Stream source state in Redis: one hash per source, and a lease key with a time to live. */
export class RedisStreamStateStore implements StreamStateStore {
  private readonly scripts: Scripted;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    for (const [name, numberOfKeys] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua: script(name), numberOfKeys });
    this.scripts = client as unknown as Scripted;
  }

  private hash(source: string): string {
    return `${this.prefix}:stream:${source}`;
  }

  private lease(source: string): string {
    return `${this.prefix}:stream-lease:${source}`;
  }

  async cursor(source: string, kind: CursorKind): Promise<string | null> {
    return this.client.hget(this.hash(source), FIELD[kind]);
  }

  async setCursor(source: string, kind: CursorKind, id: string, now: number): Promise<void> {
    await this.client.sadd(`${this.prefix}:stream-sources`, source);
    await this.scripts['stream-set-cursor'](this.hash(source), FIELD[kind], id, now);
  }

  async updateStatus(source: string, update: StreamStatusUpdate): Promise<void> {
    const { backfilledMore, ...fields } = update;
    const multi = this.client.multi().sadd(`${this.prefix}:stream-sources`, source);
    for (const [key, value] of Object.entries(fields)) {
      if (value === null) multi.hdel(this.hash(source), key);
      else if (value !== undefined) multi.hset(this.hash(source), key, String(value));
    }
    if (backfilledMore) multi.hincrby(this.hash(source), 'backfilled', backfilledMore);
    await multi.exec();
  }

  async states(): Promise<StreamSourceState[]> {
    const sources = (await this.client.smembers(`${this.prefix}:stream-sources`)).sort();
    return Promise.all(
      sources.map(async (source) => {
        const [hash, holder] = await Promise.all([this.client.hgetall(this.hash(source)), this.client.get(this.lease(source))]);
        const number = (value: string | undefined) => (value === undefined ? null : Number(value));
        return {
          source,
          cursor: hash.cursor ?? null,
          chatCursor: hash.chatCursor ?? null,
          connectedSince: number(hash.connectedSince),
          lastEventAt: number(hash.lastEventAt),
          backfilled: Number(hash.backfilled ?? 0),
          lastError: hash.lastError ?? null,
          lostGap: hash.lostGap ?? null,
          holder,
        };
      }),
    );
  }

  async takeLease(source: string, holder: string, _now: number, ttlMs: number): Promise<boolean> {
    await this.client.sadd(`${this.prefix}:stream-sources`, source);
    return (await this.scripts['stream-take-lease'](this.lease(source), this.hash(source), holder, ttlMs)) === 1;
  }

  async renewLease(source: string, holder: string, _now: number, ttlMs: number): Promise<boolean> {
    return (await this.scripts['stream-renew-lease'](this.lease(source), holder, ttlMs)) === 1;
  }

  async releaseLease(source: string, holder: string): Promise<void> {
    await this.scripts['stream-release-lease'](this.lease(source), this.hash(source), holder);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
