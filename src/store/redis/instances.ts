import { INSTANCE_FORGET_MS, type InstanceInfo, type InstanceStore } from '../instances';
import type { RedisContext } from './client';

export class RedisInstances implements InstanceStore {
  constructor(private readonly r: RedisContext) {}

  async heartbeat(instance: InstanceInfo): Promise<void> {
    await this.r.script('heartbeat', instance.id, instance.heartbeatAt, JSON.stringify(instance), instance.heartbeatAt - INSTANCE_FORGET_MS);
  }

  async list(): Promise<InstanceInfo[]> {
    const all = await this.r.run(() => this.r.client.hvals(`${this.r.p}instances`));
    return all.map((data) => JSON.parse(data) as InstanceInfo).sort((a, b) => b.heartbeatAt - a.heartbeatAt);
  }

  async forget(id: string): Promise<void> {
    await this.r.run(() => this.r.client.hdel(`${this.r.p}instances`, id));
  }
}
