import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from '../observe/logger';
import type { InstanceInfo, InstanceStore } from '../store/instances';

/** How often an instance tells the store it is alive. */
export const HEARTBEAT_MS = 5_000;

export interface Heartbeat {
  readonly id: string;
  /** the last heartbeat sent */
  current(): InstanceInfo;
  /** a clean stop: the instance is forgotten at once */
  stop(): Promise<void>;
}

/**
 * Records this process in the store every HEARTBEAT_MS, with the leases it holds, so that
 * `status` and /metrics show each live instance (and a dead one by its silence).
 */
export function startHeartbeat(deps: { instances: InstanceStore; leasesHeld: () => number; logger: Logger; now: () => number }): Heartbeat {
  const since = deps.now();
  let info: InstanceInfo = { id: randomUUID(), host: os.hostname(), pid: process.pid, since, leases: 0, heartbeatAt: since };
  const beat = () => {
    info = { ...info, leases: deps.leasesHeld(), heartbeatAt: deps.now() };
    deps.instances.heartbeat(info).catch((error: unknown) => deps.logger.warn({ err: error }, 'cannot record the heartbeat in the store'));
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  timer.unref();
  return {
    id: info.id,
    current: () => info,
    async stop() {
      clearInterval(timer);
      await deps.instances.forget(info.id).catch(() => undefined);
    },
  };
}
