import type { PauseStore, SinkPause } from '../pauses';
import { compare, type RedisContext } from './client';

export class RedisPauses implements PauseStore {
  constructor(private readonly r: RedisContext) {}

  private get key(): string {
    return `${this.r.p}paused-sinks`;
  }

  async pause(sink: string, now: number, by?: string): Promise<void> {
    // a second pause keeps the first one's time
    await this.r.run(() => this.r.client.hsetnx(this.key, sink, JSON.stringify({ since: now, by })));
  }

  async resume(sink: string): Promise<void> {
    await this.r.run(() => this.r.client.hdel(this.key, sink));
  }

  async list(): Promise<SinkPause[]> {
    const all = await this.r.run(() => this.r.client.hgetall(this.key));
    return Object.entries(all)
      .map(([sink, value]) => {
        const { since, by } = JSON.parse(value) as { since: number; by?: string };
        return by === undefined ? { sink, since } : { sink, since, by };
      })
      .sort((a, b) => compare(a.sink, b.sink));
  }
}
